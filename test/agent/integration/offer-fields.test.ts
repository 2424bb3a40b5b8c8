// What a Mesos scheduler library reads from every offer (reference §1, Offer) must be there:
// the agent's URL with hostname, ip and port (a widely used npm library builds each task's
// environment from `offer.url.address.ip`), the hostname, the role the offer is allocated to,
// the agent id, the attributes and the executor ids. A real master and agent; the task is
// launched from those fields and checks them against what the agent tells its executor.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clusterForSuite } from "./cluster.ts";
import { commandTask, type Loose } from "./helpers.ts";

describe("offers carry every field a Mesos scheduler library dereferences", () => {
  const cluster = clusterForSuite("offer-fields", { attributes: "rack:r1;zone:z1" });

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
});
