// An app's networks and portMappings on its TaskInfo (Marathon networking.md): bridge mode on
// a MESOS container names the agent's mesos-bridge CNI network with the offered host ports,
// on a DOCKER container it is docker.network BRIDGE; containerPort 0 is the host port; host
// networking leaves the task without a container network.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildTaskInfo } from "../../../src/frameworks/services/task-info.ts";
import { applyTaskNetwork } from "../../../src/frameworks/services/task-network.ts";
import type { TaskInfoInput } from "../../../src/sdk/offer-matching.ts";
import { appDef } from "./fixtures.ts";

function task(fields: Record<string, unknown>, hostPorts: number[]) {
  return buildTaskInfo({
    app: appDef({ id: "/web", cmd: "serve", ...fields }),
    version: "v",
    instanceId: "web.instance-1",
    incarnation: 1,
    agentId: "S1",
    host: "agent1",
    resources: [],
    hostPorts,
  });
}

test("container/bridge with a MESOS container names mesos-bridge with the offered host ports", () => {
  const t = task(
    {
      networks: [{ mode: "container/bridge" }],
      container: {
        type: "MESOS",
        portMappings: [
          { containerPort: 8080, hostPort: 0, name: "http" },
          { containerPort: 0, protocol: "udp,tcp" },
        ],
      },
    },
    [31001, 31002],
  );
  assert.deepEqual(t.container?.network_infos, [
    {
      name: "mesos-bridge",
      port_mappings: [
        { host_port: 31001, container_port: 8080, protocol: "tcp" },
        { host_port: 31002, container_port: 31002, protocol: "udp" },
        { host_port: 31002, container_port: 31002, protocol: "tcp" },
      ],
    },
  ]);
  assert.equal(t.command?.environment?.variables?.find((v) => v.name === "PORT0")?.value, "31001");
});

test("container/bridge without a container runs in a MESOS container on mesos-bridge", () => {
  const t = task(
    { networks: [{ mode: "container/bridge" }], container: { type: "MESOS", portMappings: [] } },
    [],
  );
  assert.equal(t.container?.type, "MESOS");
  assert.deepEqual(t.container?.network_infos, [{ name: "mesos-bridge", port_mappings: [] }]);
});

test("a named container network gets only the mappings that ask for a host port", () => {
  const t = task(
    {
      networks: [{ mode: "container", name: "overlay1" }],
      container: {
        type: "MESOS",
        portMappings: [{ containerPort: 80 }, { containerPort: 443, hostPort: 0 }],
      },
    },
    [31005],
  );
  assert.deepEqual(t.container?.network_infos, [
    {
      name: "overlay1",
      port_mappings: [{ host_port: 31005, container_port: 443, protocol: "tcp" }],
    },
  ]);
});

test("host networking adds no container network", () => {
  const t = task({}, [31000]);
  assert.equal(t.container?.network_infos, undefined);
});

test("container/bridge on a DOCKER container is docker.network BRIDGE with the port mappings", () => {
  const app = appDef({
    id: "/web",
    cmd: "serve",
    networks: [{ mode: "container/bridge" }],
    container: {
      type: "DOCKER",
      docker: { image: "busybox" },
      portMappings: [{ containerPort: 80 }],
    },
  });
  const t: TaskInfoInput = {
    name: "web",
    task_id: { value: "t" },
    agent_id: { value: "S1" },
    resources: [],
    container: { type: "DOCKER", docker: { image: "busybox", network: "HOST" } },
  };
  applyTaskNetwork(t, app, [31010]);
  assert.equal(t.container?.docker?.network, "BRIDGE");
  assert.deepEqual(t.container?.docker?.port_mappings, [
    { host_port: 31010, container_port: 80, protocol: "tcp" },
  ]);
  assert.equal(t.container?.network_infos, undefined);
});
