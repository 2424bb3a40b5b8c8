// The bespoke JSON of Mesos's legacy (v0) endpoints (reference §4.5, §10.2 item 11): what
// Mesos-DNS, Marathon-LB and Prometheus exporters scrape. Not protobuf JSON: `slave_id`,
// resources as `{cpus, gpus, mem, disk, ports: "[a-b, c-d]"}` objects, times as epoch seconds,
// `executor_id: ""` for command tasks, `role` or `roles` by the framework's MULTI_ROLE.
import { fromMilli, Resources, rangePairs, resourcesToWire } from "../../resources/index.ts";
import type { AgentInfo, DrainInfo } from "../../wire/framework.ts";
import type { MasterSnapshot } from "../core/operator.ts";
import type { AgentRecord, FrameworkRecord, TaskRecord } from "../core/state.ts";
import { type AgentUsage, agentPid } from "../core/views.ts";

export type Json = Record<string, unknown>;

/** `{cpus, gpus, mem, disk}` always; other scalars summed; ranges and sets as strings. */
export function resourcesObject(resources: Resources): Json {
  const out: Json = { cpus: 0, gpus: 0, mem: 0, disk: 0 };
  const ranges = new Map<string, [number, number][]>();
  const sets = new Map<string, string[]>();
  for (const r of resources) {
    const name = r.revocable ? `${r.name}_revocable` : r.name;
    switch (r.kind) {
      case "scalar":
        out[name] = ((out[name] as number | undefined) ?? 0) + fromMilli(r.scalar);
        break;
      case "ranges":
        ranges.set(name, [...(ranges.get(name) ?? []), ...rangePairs(r.ranges)]);
        break;
      case "set":
        sets.set(name, [...(sets.get(name) ?? []), ...r.set]);
        break;
    }
  }
  for (const [name, pairs] of ranges) {
    pairs.sort((a, b) => a[0] - b[0]);
    out[name] = `[${pairs.map(([b, e]) => `${b}-${e}`).join(", ")}]`;
  }
  for (const [name, items] of sets) out[name] = `{${items.join(", ")}}`;
  return out;
}

function attributesObject(attributes: AgentInfo["attributes"]): Json {
  const out: Json = {};
  for (const a of attributes ?? []) {
    if (a.type === "SCALAR" && a.scalar !== undefined) out[a.name] = a.scalar.value;
    else if (a.type === "RANGES") {
      out[a.name] = `[${(a.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(", ")}]`;
    } else if (a.type === "SET") out[a.name] = `{${(a.set?.item ?? []).join(", ")}}`;
    else if (a.text !== undefined) out[a.name] = a.text.value;
  }
  return out;
}

const secs = (ms: number) => ms / 1000;

export function legacyTask(t: TaskRecord): Json {
  const info = t.info;
  const task: Json = {
    id: t.taskId,
    name: info.name,
    framework_id: t.frameworkId,
    executor_id: t.executorId ?? "",
    slave_id: t.agentId,
    state: t.state,
    resources: resourcesObject(t.resources),
    role: t.role,
    statuses: t.statuses.map((s) => {
      const status: Json = { state: s.state, timestamp: s.timestamp ?? 0 };
      if (s.labels !== undefined) status.labels = s.labels.labels ?? [];
      if (s.container_status !== undefined) status.container_status = s.container_status;
      if (s.healthy !== undefined) status.healthy = s.healthy;
      return status;
    }),
  };
  if (info.limits !== undefined) task.limits = info.limits;
  if (info.command?.user !== undefined) task.user = info.command.user;
  if (info.labels !== undefined) task.labels = info.labels.labels ?? [];
  if (info.discovery !== undefined) task.discovery = info.discovery;
  if (info.container !== undefined) task.container = info.container;
  if (info.health_check !== undefined) task.health_check = info.health_check;
  return task;
}

function fullResources(resources: Resources): Json {
  return resourcesToWire(resources.unallocate(), "ENDPOINT") as unknown as Json;
}

/** An agent's reserved resources per role (its reservations' last roles), each rendered. */
export function reservedByRole(total: Resources, render: (resources: Resources) => Json): Json {
  const reserved: Json = {};
  const roles = new Set<string>();
  for (const r of total) {
    const role = r.reservations[r.reservations.length - 1]?.role;
    if (role !== undefined) roles.add(role);
  }
  for (const role of roles) reserved[role] = render(total.reserved(role));
  return reserved;
}

export function legacyAgent(
  a: AgentRecord,
  usage: AgentUsage | undefined,
  activity: { deactivated: boolean; drainInfo: DrainInfo | undefined },
): Json {
  const deactivated = activity.deactivated;
  const used = usage?.allocated ?? Resources.empty();
  const reserved = reservedByRole(a.total, resourcesObject);
  const agent: Json = {
    id: a.id,
    hostname: a.info.hostname,
    port: a.info.port ?? 5051,
    attributes: attributesObject(a.info.attributes),
    pid: agentPid(a),
    registered_time: secs(a.registeredTimeMs),
    resources: resourcesObject(a.total),
    used_resources: resourcesObject(used),
    offered_resources: resourcesObject(usage?.offered ?? Resources.empty()),
    reserved_resources: reserved,
    unreserved_resources: resourcesObject(a.total.unreserved()),
    // The same as Resource messages (ENDPOINT format): reservations and volumes in full.
    reserved_resources_full: reservedByRole(a.total, fullResources),
    unreserved_resources_full: fullResources(a.total.unreserved()),
    used_resources_full: fullResources(used),
    offered_resources_full: fullResources(usage?.offered ?? Resources.empty()),
    active: a.connection === "registered" && !deactivated,
    deactivated,
    version: a.version,
    capabilities: a.capabilities,
  };
  if (a.info.domain !== undefined) agent.domain = a.info.domain;
  if (a.reregisteredTimeMs !== undefined) agent.reregistered_time = secs(a.reregisteredTimeMs);
  // Mesos renders drain_info as protobuf JSON.
  if (activity.drainInfo !== undefined) agent.drain_info = activity.drainInfo as unknown as Json;
  return agent;
}

/** How a framework's task lists are shown: rendered at once, or (for /state) as they print. */
export type TaskList = (tasks: TaskRecord[]) => unknown;

const renderedTasks: TaskList = (tasks) => tasks.map(legacyTask);

export function legacyFramework(
  f: FrameworkRecord,
  s: MasterSnapshot,
  taskList: TaskList = renderedTasks,
): Json {
  let used = Resources.empty();
  for (const t of f.tasks.values()) if (!t.released) used = used.add(t.resources);
  const offers = s.offers.filter((o) => o.frameworkId === f.id);
  let offered = Resources.empty();
  for (const o of offers) offered = offered.add(o.resources);
  const info = f.info;
  const capabilities = (info.capabilities ?? []).flatMap((c) => (c.type ? [c.type] : []));
  const executors: Json[] = [];
  for (const [agentId, byId] of f.executors) {
    for (const e of byId.values()) {
      executors.push({
        executor_id: e.info.executor_id.value,
        name: e.info.name ?? "",
        framework_id: f.id,
        command: e.info.command ?? {},
        resources: resourcesObject(e.resources),
        slave_id: agentId,
        ...(e.info.type === undefined ? {} : { type: e.info.type }),
        ...(e.info.labels === undefined ? {} : { labels: e.info.labels.labels ?? [] }),
      });
    }
  }
  const framework: Json = {
    id: f.id,
    name: info.name,
    used_resources: resourcesObject(used),
    offered_resources: resourcesObject(offered),
    capabilities,
    hostname: info.hostname ?? "",
    webui_url: info.webui_url ?? "",
    active: f.active,
    connected: f.connection === "connected",
    recovered: f.connection === "recovered",
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    registered_time: secs(f.registeredTimeMs),
    unregistered_time: secs(f.unregisteredTimeMs ?? 0),
    resources: resourcesObject(used.add(offered)),
    tasks: taskList([...f.tasks.values()]),
    unreachable_tasks: taskList([...f.unreachableTasks.values()]),
    completed_tasks: taskList([...f.completedTasks]),
    offers: offers.map((o) => ({
      id: o.id,
      framework_id: f.id,
      allocation_info: { role: o.role },
      slave_id: o.agentId,
      resources: resourcesObject(o.resources),
    })),
    executors,
  };
  if (info.principal !== undefined) framework.principal = info.principal;
  if (f.reregisteredTimeMs !== undefined && f.reregisteredTimeMs !== f.registeredTimeMs) {
    framework.reregistered_time = secs(f.reregisteredTimeMs);
  }
  if (capabilities.includes("MULTI_ROLE")) framework.roles = f.roles;
  else framework.role = f.roles[0] ?? "*";
  if (info.labels !== undefined) framework.labels = info.labels.labels ?? [];
  return framework;
}

/** Per-state task counts of the state summary. */
export const SUMMARY_STATES = [
  "TASK_STAGING",
  "TASK_STARTING",
  "TASK_RUNNING",
  "TASK_KILLING",
  "TASK_FINISHED",
  "TASK_KILLED",
  "TASK_FAILED",
  "TASK_LOST",
  "TASK_ERROR",
  "TASK_UNREACHABLE",
] as const;

export function stateCounts(tasks: Iterable<TaskRecord>): Json {
  const out: Json = Object.fromEntries(SUMMARY_STATES.map((s) => [s, 0]));
  for (const t of tasks) if (t.state in out) out[t.state] = (out[t.state] as number) + 1;
  return out;
}
