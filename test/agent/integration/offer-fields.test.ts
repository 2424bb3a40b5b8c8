// What a Mesos scheduler library reads from every offer (reference §1, Offer) must be there:
// the agent's URL with hostname, ip and port (a widely used npm library builds each task's
// environment from `offer.url.address.ip`), the hostname, the role the offer is allocated to,
// the agent id, the attributes and the executor ids. A real master and agent; the task is
// launched from those fields and checks them against what the agent tells its executor.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { eventually } from "../../support/eventually.ts";
import { clusterForSuite, terminal } from "./cluster.ts";
import { commandTask, type Loose } from "./helpers.ts";

const SDK = fileURLToPath(new URL("../../../src/sdk/index.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

// A custom executor that keeps its task running until it is killed, then exits once the agent
// holds the TASK_KILLED.
const EXECUTOR_SOURCE = `
import { ExecutorClient } from ${JSON.stringify(SDK)};
const executor = new ExecutorClient();
let terminal;
executor.on("launch", async (task) => {
  await executor.sendUpdate({ taskId: task.task_id.value, state: "TASK_RUNNING" });
});
executor.on("kill", async ({ taskId }) => {
  terminal = (await executor.sendUpdate({ taskId, state: "TASK_KILLED" })).uuid;
});
executor.on("acknowledged", ({ uuid }) => {
  if (uuid === terminal) void executor.stop().then(() => process.exit(0));
});
await executor.start();
`;

describe("offers carry every field a Mesos scheduler library dereferences", () => {
  // posix isolation: the custom executor below imports the SDK from the checkout, which a
  // container's private /tmp would hide when the checkout itself is under /tmp.
  const cluster = clusterForSuite("offer-fields", {
    attributes: "rack:r1;zone:z1",
    isolation: "posix/cpu,posix/mem",
  });

  it("url.address has hostname, ip and port; role, agent id, attributes and executor ids are set", async () => {
    const { agent, framework } = cluster;
    const offer: Loose = await framework.offer();
    const agentPort = Number(new URL(agent.url).port);
    assert.deepEqual(offer.url, {
      scheme: "http",
      address: { hostname: "localhost", ip: "127.0.0.1", port: agentPort },
      path: "/slave(1)",
    });
    assert.equal(offer.hostname, "localhost");
    assert.equal(offer.allocation_info.role, "*");
    assert.equal(typeof offer.agent_id.value, "string");
    assert.ok(offer.agent_id.value.length > 0);
    const attributes = Object.fromEntries(
      offer.attributes.map((a: Loose) => [a.name, a.text?.value ?? a.scalar?.value]),
    );
    assert.deepEqual(attributes, { rack: "r1", zone: "z1" });
    // Empty repeated fields are left out, as Mesos's JSON leaves them out; none run here yet.
    assert.equal(offer.executor_ids, undefined);

    // As the library does: the task's environment is built from the offer's address. The task
    // checks it against the endpoint the agent gives its executor.
    const { ip, port } = offer.url.address;
    await framework.launch(offer, [
      commandTask("from-offer", 'test "$MESOS_AGENT_ENDPOINT" = "$HOST:$PORT"', {
        command: {
          value: 'test "$MESOS_AGENT_ENDPOINT" = "$HOST:$PORT"',
          environment: {
            variables: [
              { name: "HOST", value: ip },
              { name: "PORT", value: String(port) },
            ],
          },
        },
      }),
    ]);
    const done = await framework.until("from-offer to end", () =>
      framework.updates.find(
        (u) =>
          u.taskId === "from-offer" && u.state !== "TASK_STARTING" && u.state !== "TASK_RUNNING",
      ),
    );
    assert.equal(done.state, "TASK_FINISHED", done.status.message);
  });

  it("the master names the agent by its ip in its pid, as Mesos's slave(1)@ip:port", async () => {
    const { agent, master } = cluster;
    const state = (await (await fetch(`${master.url}/master/state`)).json()) as Loose;
    const agentPort = Number(new URL(agent.url).port);
    assert.equal(state.slaves.length, 1);
    assert.equal(state.slaves[0].pid, `slave(1)@127.0.0.1:${agentPort}`);
    assert.equal(state.slaves[0].hostname, "localhost");
  });

  it("executor_ids lists the framework's executors running on the offer's agent", async () => {
    const { framework } = cluster;
    const offer: Loose = await framework.offer();
    await framework.launch(offer, [
      {
        task_id: { value: "with-executor" },
        resources: [
          { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
          // The container holds a whole Node.js process.
          { name: "mem", type: "SCALAR", scalar: { value: 256 } },
        ],
        executor: {
          executor_id: { value: "offer-ex" },
          // Inline: with filesystem/linux the container's /tmp (where work dirs are) is its own.
          command: {
            shell: false,
            value: process.execPath,
            arguments: [
              process.execPath,
              "--import",
              TSX,
              "--input-type=module",
              "-e",
              EXECUTOR_SOURCE,
            ],
          },
        },
      },
    ]);
    await framework.state("with-executor", "TASK_RUNNING", 60_000);
    // Offers made before the launch cannot name its executor: hand them back, to be offered
    // again now.
    const stale = framework.offers.splice(0);
    if (stale.length > 0) {
      await framework.scheduler.call({
        type: "DECLINE",
        decline: { offer_ids: stale.map((o) => o.id), filters: { refuse_seconds: 0 } },
      });
    }
    try {
      const next: Loose = await framework.until("an offer from that agent", () => {
        const at = framework.offers.findIndex((o) => o.agent_id.value === offer.agent_id.value);
        return at === -1 ? undefined : framework.offers.splice(at, 1)[0];
      });
      assert.deepEqual(next.executor_ids, [{ value: "offer-ex" }]);
    } finally {
      await framework.kill(offer.agent_id, "with-executor");
      await terminal(framework, "with-executor");
      // The executor exits once the agent passed on the acknowledgement: wait for that, so
      // that the suite's end does not leave it waiting to reconnect to a stopped agent.
      await eventually("the executor's container to end", async () => {
        const res = await fetch(`${cluster.agent.url}/api/v1`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ type: "GET_CONTAINERS" }),
        });
        const containers = ((await res.json()) as Loose).get_containers.containers ?? [];
        return !containers.some((c: Loose) => c.executor_id.value === "offer-ex");
      });
    }
  });
});
