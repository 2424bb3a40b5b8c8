// KILL_CONTAINER in the agent operator API (reference §4.4), which `tessera kill TASK` uses:
// on a real agent with a real master and a running command task. An unknown container is 404
// and a call without its kill_container is 400, as in Mesos; killing the container of a
// running command task must end the task TASK_KILLED.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { clusterForSuite, terminal } from "../integration/cluster.ts";
import { commandTask, type Loose } from "../integration/helpers.ts";

describe("KILL_CONTAINER on the agent operator API", () => {
  // Stopping the cluster kills "victim" if a test left it running, and waits for its end.
  const cluster = clusterForSuite("killctr", { isolation: "posix/cpu,posix/mem" });
  before(async () => {
    await cluster.launch([commandTask("victim", "sleep 1000")]);
    await cluster.framework.state("victim", "TASK_RUNNING");
  });

  const operator = (body: unknown) =>
    fetch(`${cluster.agent.url}/api/v1`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    });

  it("an unknown container is 404", async () => {
    const res = await operator({
      type: "KILL_CONTAINER",
      kill_container: { container_id: { value: "no-such-container" } },
    });
    assert.equal(res.status, 404);
    assert.match(await res.text(), /no-such-container/);
  });

  it("a KILL_CONTAINER without kill_container fails validation with 400", async () => {
    const res = await operator({ type: "KILL_CONTAINER" });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /^Failed to validate agent::Call/);
  });

  it("killing the container of a running command task ends the task TASK_KILLED", async () => {
    const containers = (await (await operator({ type: "GET_CONTAINERS" })).json()) as Loose;
    const container = containers.get_containers.containers.find(
      (c: Loose) => c.executor_id.value === "victim",
    );
    assert.ok(container !== undefined, "GET_CONTAINERS lists the task's container");
    const res = await operator({
      type: "KILL_CONTAINER",
      kill_container: { container_id: container.container_id },
    });
    assert.equal(res.status, 200, await res.text());
    const end = await terminal(cluster.framework, "victim");
    assert.equal(end.state, "TASK_KILLED");
  });
});
