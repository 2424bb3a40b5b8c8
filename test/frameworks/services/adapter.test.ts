import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryAppStore } from "../../../src/frameworks/services/app-store.ts";
import {
  type AdapterClient,
  SERVICES_IMPLICIT_RECONCILE_AFTER_MS,
  SERVICES_RECONCILE_INTERVAL_MS,
  ServicesAdapter,
} from "../../../src/frameworks/services/mesos-adapter.ts";
import { parsePod } from "../../../src/frameworks/services/pods.ts";
import { ServicesState } from "../../../src/frameworks/services/services-state.ts";

function recorder() {
  const calls: { call: string; args: unknown[] }[] = [];
  const client: AdapterClient = {
    accept: (...args) => calls.push({ call: "accept", args }),
    decline: (...args) => calls.push({ call: "decline", args }),
    kill: (...args) => calls.push({ call: "kill", args }),
    revive: (...args) => calls.push({ call: "revive", args }),
    reconcile: (...args) => calls.push({ call: "reconcile", args }),
  };
  return { calls, client };
}

function setup() {
  let n = 0;
  const state = new ServicesState({ store: new MemoryAppStore(), newId: () => `id-${++n}` });
  const clock = { nowMs: 1_000 };
  const adapter = new ServicesAdapter({ state, nowMs: () => clock.nowMs });
  const { calls, client } = recorder();
  adapter.client = client;
  return { state, adapter, calls, clock };
}

describe("services mesos adapter", () => {
  it("maps launch, decline and kill effects onto accept, decline and kill calls", () => {
    const { adapter, calls } = setup();
    adapter.apply([
      { kind: "launch", offerId: "o1", agentId: "a1", tasks: [] },
      { kind: "decline", offerId: "o2", refuseSeconds: 120 },
      { kind: "kill", taskId: "t1", agentId: "a1" },
    ]);
    assert.deepEqual(
      calls.map((c) => c.call),
      ["accept", "decline", "kill"],
    );
    assert.deepEqual(calls[0]?.args, [["o1"], [{ type: "LAUNCH", launch: { task_infos: [] } }]]);
    assert.deepEqual(calls[1]?.args, [["o2"], { refuseSeconds: 120 }]);
    assert.deepEqual(calls[2]?.args, ["t1", "a1"]);
  });

  it("kills a running task it does not know about and saves the framework id on subscription", () => {
    const { state, adapter, calls } = setup();
    adapter.onSubscribed("fw-1");
    assert.equal(state.frameworkId(), "fw-1");
    adapter.onUpdate({
      task_id: { value: "unknown.task" },
      state: "TASK_RUNNING",
      agent_id: { value: "a9" },
    } as Parameters<ServicesAdapter["onUpdate"]>[0]);
    assert.deepEqual(calls.at(-1), { call: "kill", args: ["unknown.task", "a9"] });
  });

  it("reconciles implicitly on each (re)subscription, again while agents come back, then every reconciliation interval (nemesis seed 2055)", () => {
    const { adapter, calls, clock } = setup();
    const implicitAt: number[] = [];
    const run = (untilMs: number) => {
      for (; clock.nowMs <= untilMs; clock.nowMs += 1_000) {
        const before = calls.length;
        adapter.tick();
        if (calls.slice(before).some((c) => c.call === "reconcile")) implicitAt.push(clock.nowMs);
      }
    };
    adapter.onSubscribed("fw-1");
    assert.deepEqual(calls.at(-1), { call: "reconcile", args: [[]] }, "at once, implicit");
    run(1_000 + 30_000 + 2 * SERVICES_RECONCILE_INTERVAL_MS);
    const early = SERVICES_IMPLICIT_RECONCILE_AFTER_MS.slice(1).map((ms) => 1_000 + ms);
    const last = 1_000 + (SERVICES_IMPLICIT_RECONCILE_AFTER_MS.at(-1) ?? 0);
    assert.deepEqual(implicitAt, [
      ...early,
      last + SERVICES_RECONCILE_INTERVAL_MS,
      last + 2 * SERVICES_RECONCILE_INTERVAL_MS,
    ]);
    // A re-subscription starts the schedule again.
    adapter.onSubscribed("fw-1");
    assert.deepEqual(calls.at(-1), { call: "reconcile", args: [[]] });
  });

  it("announces the subscription as scheduler_registered_event, then reregistered", () => {
    const { state, adapter } = setup();
    const events: { eventType: string }[] = [];
    state.onEvent((e) => events.push(e));
    adapter.onSubscribed("fw-1", "http://m:5050");
    adapter.onSubscribed("fw-1", "http://m:5050");
    assert.deepEqual(events, [
      {
        eventType: "scheduler_registered_event",
        timestamp: new Date(1_000).toISOString(),
        frameworkId: "fw-1",
        master: "http://m:5050",
      },
      {
        eventType: "scheduler_reregistered_event",
        timestamp: new Date(1_000).toISOString(),
        frameworkId: "fw-1",
        master: "http://m:5050",
      },
    ]);
  });

  it("kills a pod instance through one of its containers' tasks and reconciles each", () => {
    const { state, adapter, calls } = setup();
    const parsed = parsePod(
      {
        id: "/p",
        containers: [
          { name: "a", exec: { command: { shell: "x" } } },
          { name: "b", exec: { command: { shell: "y" } } },
        ],
      },
      "*",
    );
    assert.ok(parsed.ok);
    assert.ok(state.deploy({ upsert: [parsed.app] }, false, 1_000).ok);
    state.advance(1_000);
    adapter.apply([{ kind: "kill", taskId: "p.instance-id-9._app.1", agentId: "a1" }]);
    const kills = calls.filter((c) => c.call === "kill");
    assert.deepEqual(kills, [{ call: "kill", args: ["p.instance-id-9._app.1.a", "a1"] }]);
    const [instance] = state.instancesOf("/p" as never);
    assert.ok(instance !== undefined);
    instance.state = "TASK_RUNNING";
    const ids = adapter.reconcileTasks().map((t) => t.taskId);
    assert.deepEqual(ids, [`${instance.instanceId}._app.1.a`, `${instance.instanceId}._app.1.b`]);
  });

  it("does nothing while no client is connected", () => {
    const { adapter, calls } = setup();
    adapter.client = undefined;
    adapter.apply([{ kind: "decline", offerId: "o", refuseSeconds: 5 }]);
    assert.equal(calls.length, 0);
  });
});
