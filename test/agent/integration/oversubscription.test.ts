// Oversubscription end to end (issue 19): an agent with the usage estimator and QoS controller
// lends a regular task's idle cpus as revocable resources to a framework with
// REVOCABLE_RESOURCES; a revocable task runs on them; when the regular task starts using its
// cpus, the revocable task is ended TASK_LOST with REASON_CONTAINER_PREEMPTED (Mesos's QoS
// correction) while the regular task runs on.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { clusterForSuite, terminal } from "./cluster.ts";
import { commandTask, type Loose } from "./helpers.ts";

const scalar = (name: string, value: number, revocable = false) => ({
  name,
  type: "SCALAR",
  scalar: { value },
  ...(revocable ? { revocable: {} } : {}),
});

const revocableCpus = (offer: Loose): number =>
  (offer.resources ?? [])
    .filter((r: Loose) => r.name === "cpus" && r.revocable !== undefined)
    .reduce((sum: number, r: Loose) => sum + (r.scalar?.value ?? 0), 0);

describe("oversubscription with the usage estimator and QoS controller", () => {
  const cluster = clusterForSuite(
    "oversub",
    {
      isolation: "posix/cpu,posix/mem",
      resource_estimator: "usage",
      qos_controller: "usage",
      oversubscribed_resources_interval: "500ms",
    },
    {
      user: "root",
      name: "oversubscriber",
      roles: ["*"],
      capabilities: [{ type: "MULTI_ROLE" }, { type: "REVOCABLE_RESOURCES" }],
    },
  );

  it("a revocable task on a regular task's idle cpus is ended when the regular task needs them", async () => {
    const hog = "while [ ! -f go ]; do sleep 0.2; done; while :; do :; done";
    await cluster.launch([
      commandTask("regular", hog, { resources: [scalar("cpus", 1), scalar("mem", 512)] }),
    ]);
    await cluster.framework.state("regular", "TASK_RUNNING");
    // The estimate follows once the regular task was measured twice: take that offer.
    const { framework } = cluster;
    const offer = await framework.until(
      "an offer with revocable cpus",
      () => {
        const found = framework.offers.find((o) => revocableCpus(o) >= 0.6);
        if (found !== undefined) framework.offers.splice(framework.offers.indexOf(found), 1);
        return found;
      },
      60_000,
    );
    const lent = Math.floor((revocableCpus(offer) - 0.3) * 100) / 100;
    await framework.launch(offer, [
      commandTask("revocable", "sleep 300", {
        resources: [scalar("cpus", lent, true), scalar("mem", 64, true)],
      }),
    ]);
    await framework.state("revocable", "TASK_RUNNING");
    const metrics = async () =>
      (await (await fetch(`${cluster.agent.url}/metrics/snapshot`)).json()) as Record<
        string,
        number
      >;
    const lending = await metrics();
    assert.ok((lending["slave/cpus_revocable_total"] ?? 0) > 0, "the estimate is revocable");
    assert.equal(
      Math.round((lending["slave/cpus_revocable_used"] ?? 0) * 100),
      Math.round(lent * 100),
    );
    // The regular task's cpu and the two command executors' 0.1 each, not the revocable ones.
    assert.equal(Math.round((lending["slave/cpus_used"] ?? 0) * 100), 120);
    const sandbox = cluster.sandbox("regular");
    assert.ok(sandbox !== undefined);
    writeFileSync(join(sandbox, "go"), "");
    const ended = await terminal(framework, "revocable", 60_000);
    assert.equal(ended.state, "TASK_LOST");
    assert.equal(ended.status.reason, "REASON_CONTAINER_PREEMPTED");
    assert.equal(ended.status.source, "SOURCE_AGENT");
    assert.equal((await metrics())["slave/executors_preempted"], 1);
    assert.ok(
      !framework.updates.some(
        (u) => u.taskId === "regular" && u.state !== "TASK_RUNNING" && u.state !== "TASK_STARTING",
      ),
      "the regular task runs on",
    );
  });
});
