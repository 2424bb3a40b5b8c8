// Message bodies from the reference's example requests and events (§1.6), hand-written JSON
// as real Mesos clients send and receive them. Shared by the wire schema tests.

const web = { role: "web" };

export const SUBSCRIBE_FRAMEWORK_INFO = {
  user: "alice",
  name: "my-fw",
  failover_timeout: 604800,
  checkpoint: true,
  roles: ["web"],
  capabilities: [
    { type: "MULTI_ROLE" },
    { type: "PARTITION_AWARE" },
    { type: "TASK_KILLING_STATE" },
    { type: "RESERVATION_REFINEMENT" },
  ],
};

export const LAUNCH_TASK_INFO = {
  name: "sleeper",
  task_id: { value: "sleeper-1" },
  agent_id: { value: "5b8c...-S0" },
  resources: [
    { name: "cpus", type: "SCALAR", scalar: { value: 0.5 }, allocation_info: web },
    { name: "mem", type: "SCALAR", scalar: { value: 128 }, allocation_info: web },
  ],
  command: { shell: true, value: "sleep 1000" },
  kill_policy: { grace_period: { nanoseconds: 5000000000 } },
};

export const LAUNCH_GROUP = {
  executor: {
    type: "DEFAULT",
    executor_id: { value: "pod-1-exec" },
    framework_id: { value: "5b8c...-0000" },
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 0.1 }, allocation_info: web },
      { name: "mem", type: "SCALAR", scalar: { value: 32 }, allocation_info: web },
      { name: "disk", type: "SCALAR", scalar: { value: 32 }, allocation_info: web },
    ],
  },
  task_group: {
    tasks: [
      {
        name: "a",
        task_id: { value: "pod-1.a" },
        agent_id: { value: "5b8c...-S0" },
        resources: [
          { name: "cpus", type: "SCALAR", scalar: { value: 0.2 }, allocation_info: web },
          { name: "mem", type: "SCALAR", scalar: { value: 64 }, allocation_info: web },
        ],
        command: { value: "./server" },
      },
      {
        name: "b",
        task_id: { value: "pod-1.b" },
        agent_id: { value: "5b8c...-S0" },
        resources: [
          { name: "cpus", type: "SCALAR", scalar: { value: 0.1 }, allocation_info: web },
          { name: "mem", type: "SCALAR", scalar: { value: 32 }, allocation_info: web },
        ],
        command: { value: "./sidecar" },
      },
    ],
  },
};

export const MASTER_INFO = {
  id: "5b8c0f6e-2d2c-4a4b-8e0a-6f1c2f9d8e11",
  ip: 16777343,
  port: 5050,
  pid: "master@127.0.0.1:5050",
  hostname: "m1",
  version: "1.11.0",
  address: { hostname: "m1", ip: "127.0.0.1", port: 5050 },
  capabilities: [{ type: "AGENT_UPDATE" }, { type: "AGENT_DRAINING" }, { type: "QUOTA_V2" }],
};

export const OFFER = {
  id: { value: "5b8c...-O12" },
  framework_id: { value: "5b8c...-0000" },
  agent_id: { value: "5b8c...-S0" },
  hostname: "agent1",
  url: {
    scheme: "http",
    address: { hostname: "agent1", ip: "10.0.0.5", port: 5051 },
    path: "/slave(1)",
  },
  allocation_info: web,
  resources: [
    { name: "cpus", type: "SCALAR", scalar: { value: 3.9 }, allocation_info: web },
    { name: "mem", type: "SCALAR", scalar: { value: 14848.0 }, allocation_info: web },
    { name: "disk", type: "SCALAR", scalar: { value: 92000.0 }, allocation_info: web },
    {
      name: "ports",
      type: "RANGES",
      ranges: { range: [{ begin: 31000, end: 32000 }] },
      allocation_info: web,
    },
    {
      name: "cpus",
      type: "SCALAR",
      scalar: { value: 2.0 },
      allocation_info: web,
      reservations: [{ type: "DYNAMIC", role: "web", principal: "ops" }],
    },
  ],
  attributes: [{ name: "rack", type: "TEXT", text: { value: "r1" } }],
  executor_ids: [{ value: "pod-1-exec" }],
};

/** The same reserved resource in the pre-refinement format (framework without the capability). */
export const PRE_REFINEMENT_RESERVED_CPUS = {
  name: "cpus",
  type: "SCALAR",
  scalar: { value: 2.0 },
  role: "web",
  reservation: { principal: "ops" },
};

export const UPDATE_STATUS = {
  task_id: { value: "sleeper-1" },
  state: "TASK_RUNNING",
  source: "SOURCE_EXECUTOR",
  agent_id: { value: "5b8c...-S0" },
  executor_id: { value: "sleeper-1" },
  timestamp: 1724431234.123,
  uuid: "hTaLQ0b5Q1OZuab7QclTKQ==",
  container_status: {
    container_id: { value: "9d2c..." },
    network_infos: [{ ip_addresses: [{ protocol: "IPv4", ip_address: "10.0.0.5" }] }],
    executor_pid: 4242,
  },
};
