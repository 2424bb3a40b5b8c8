// `tessera run --network NAME -p PORT`: the flags' rules, and the NetworkInfo they put on the
// task with the host ports the offer gave.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CliError } from "../../src/cli/cli-error.ts";
import { applyRunNetwork, describeMappings, runNetwork } from "../../src/cli/run-network.ts";
import { runSpec } from "../../src/cli/run-spec.ts";
import type { TaskInfoInput } from "../../src/sdk/offer-matching.ts";

const base = { cpus: "0.1", mem: "32", role: "*" };

test("host networking is the default and adds nothing to the task", () => {
  const spec = runSpec(base, ["true"]);
  assert.deepEqual(spec.network, { name: undefined, ports: [] });
  const task = { name: "t" } as TaskInfoInput;
  applyRunNetwork(task, spec.network, []);
  assert.equal(task.container, undefined);
});

test("--network bridge -p 8080 -p 53/udp names mesos-bridge with the offered host ports", () => {
  const spec = runSpec({ ...base, network: "bridge", publish: ["8080", "53/udp"] }, ["serve"]);
  const task = { name: "t" } as TaskInfoInput;
  applyRunNetwork(task, spec.network, [31001, 31002]);
  assert.deepEqual(task.container, {
    type: "MESOS",
    network_infos: [
      {
        name: "mesos-bridge",
        port_mappings: [
          { host_port: 31001, container_port: 8080, protocol: "tcp" },
          { host_port: 31002, container_port: 53, protocol: "udp" },
        ],
      },
    ],
  });
  assert.equal(
    describeMappings(spec.network, [31001, 31002]),
    "port 8080/tcp is published on host port 31001\nport 53/udp is published on host port 31002\n",
  );
});

test("another name is that CNI network; an image's container keeps its image", () => {
  const task = {
    name: "t",
    container: { type: "MESOS", mesos: { image: { type: "DOCKER", docker: { name: "busybox" } } } },
  } as TaskInfoInput;
  applyRunNetwork(task, runNetwork("my-net"), []);
  assert.equal(task.container?.mesos?.image?.docker?.name, "busybox");
  assert.deepEqual(task.container?.network_infos, [{ name: "my-net", port_mappings: [] }]);
});

test("bad ports, -p without a network and bad names are usage errors", () => {
  for (const [network, publish] of [
    ["bridge", ["http"]],
    ["bridge", ["0"]],
    ["bridge", ["70000"]],
    ["bridge", ["80/sctp"]],
    [undefined, ["8080"]],
    ["host", ["8080"]],
    ["a b", []],
  ] as const) {
    assert.throws(
      () => runNetwork(network, publish),
      (e: unknown) => e instanceof CliError,
      `${network} ${publish.join(",")}`,
    );
  }
});
