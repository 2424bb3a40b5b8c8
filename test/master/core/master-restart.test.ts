import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openRegistry } from "../../../src/master/registry/index.ts";
import { agentSubscribeCall, agentUpdate, Harness, launchTasks, uuidOf } from "./harness.ts";

describe("master restart with the sqlite registry", () => {
  it("agents admitted before the restart re-register, their tasks come back, and reconciliation answers as Mesos does", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "tessera-master-core-"));
    try {
      const store = await openRegistry({ kind: "sqlite", workDir });
      const first = new Harness({ registry: (await store.recover()).state, holdRegistry: true });
      await first.releaseTo(store);
      first.step({
        kind: "agent_subscribe",
        agentStreamId: "a1",
        call: agentSubscribeCall("a1", "cpus:4;mem:1024"),
      });
      first.step({
        kind: "agent_subscribe",
        agentStreamId: "a2",
        call: agentSubscribeCall("a2", "cpus:4;mem:1024"),
      });
      await first.releaseTo(store);
      const a1 = first.agentEventsOn("a1")[0]?.subscribed?.agent_id.value ?? "";
      const a2 = first.agentEventsOn("a2")[0]?.subscribed?.agent_id.value ?? "";
      const caps = [{ type: "PARTITION_AWARE" as const }];
      const fw = first.subscribe({ capabilities: caps, checkpoint: true, failover_timeout: 3600 });
      launchTasks(first, fw, a1, ["t1"]);
      agentUpdate(first, a1, fw.frameworkId, "t1", "TASK_RUNNING", uuidOf(1));
      await store.close();

      // The old master is gone; a new one recovers what was durable.
      const reopened = await openRegistry({ kind: "sqlite", workDir });
      const recovered = (await reopened.recover()).state;
      assert.deepEqual([...recovered.admitted.keys()].sort(), [a1, a2].sort());
      const h = new Harness({
        registry: recovered,
        masterId: "M2",
        startMs: first.nowMs + 1_000,
        holdRegistry: true,
      });
      await h.releaseTo(reopened);
      const back = h.subscribe({
        id: { value: fw.frameworkId },
        capabilities: caps,
        checkpoint: true,
        failover_timeout: 3600,
      });
      const reconcile = () => {
        const before = h.updates(back.streamId).length;
        h.call(back.streamId, fw.frameworkId, {
          type: "RECONCILE",
          reconcile: { tasks: [{ task_id: { value: "t1" }, agent_id: { value: a1 } }] },
        });
        return h
          .updates(back.streamId)
          .slice(before)
          .map((s) => s.state);
      };
      assert.deepEqual(reconcile(), [], "no reply while a1 has not re-registered");

      h.reregister("a1-again", a1, [[fw.frameworkId, "t1"]]);
      await h.releaseTo(reopened);
      assert.equal(h.agentEventsOn("a1-again")[0]?.type, "SUBSCRIBED");
      assert.deepEqual(reconcile(), ["TASK_RUNNING"]);

      // a2 never comes back: unreachable after agent_reregister_timeout, durably.
      for (let elapsedMs = 0; elapsedMs < 600_000; elapsedMs += 15_000) {
        h.advance(15_000);
        h.agentCall(a1, { type: "PONG" });
        await h.releaseTo(reopened);
      }
      assert.ok(h.registry.unreachable.has(a2));
      await reopened.close();
      const third = await openRegistry({ kind: "sqlite", workDir });
      const state = (await third.recover()).state;
      assert.ok(state.unreachable.has(a2));
      assert.ok(state.admitted.has(a1));
      await third.close();
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});
