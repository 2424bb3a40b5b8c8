import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { MemoryAppStore } from "../../../src/frameworks/services/app-store.ts";
import { KILL_RETRY_MS } from "../../../src/frameworks/services/instance-lifecycle.ts";
import type { AppId } from "../../../src/frameworks/services/path-id.ts";
import {
  ServicesCore,
  type ServicesSnapshot,
} from "../../../src/frameworks/services/services-core.ts";
import type {
  ServicesInput,
  ServicesOutput,
  ServicesWrite,
} from "../../../src/frameworks/services/services-outputs.ts";
import type { ServicesCoreOptions } from "../../../src/frameworks/services/services-types.ts";
import { parseTaskId, taskIdFor } from "../../../src/frameworks/services/task-info.ts";
import type { TaskState } from "../../../src/wire/status.ts";
import { appDef, roomyOffer } from "./fixtures.ts";

const T0 = Date.parse("2024-01-01T00:00:00.000Z");
const EMPTY: ServicesSnapshot = {
  apps: [],
  versionIds: new Map(),
  runningVersions: [],
  instances: [],
  deployments: [],
};

function newCore(options: Partial<ServicesCoreOptions> = {}): ServicesCore {
  let n = 0;
  return new ServicesCore({ newId: () => `id-${++n}`, ...options }, EMPTY);
}

const writes = (out: ServicesOutput[]): ServicesWrite[] =>
  out.flatMap((o) => (o.kind === "store_write" ? [o.write] : []));

const launches = (out: ServicesOutput[]) => out.flatMap((o) => (o.kind === "launch" ? [o] : []));

/** Deploys `apps` and runs the advance the API sends after it. */
function deploy(core: ServicesCore, nowMs: number, ...apps: Record<string, unknown>[]) {
  const out = core.handle(
    { kind: "deploy", change: { upsert: apps.map((a) => appDef(a)) }, force: true },
    nowMs,
  );
  const reply = out.find((o) => o.kind === "reply");
  assert.ok(reply?.kind === "reply" && reply.reply.to === "deploy" && reply.reply.result.ok);
  return [...out, ...core.handle({ kind: "advance" }, nowMs)];
}

function status(core: ServicesCore, taskId: string, state: TaskState, nowMs: number) {
  return core.handle({ kind: "task_status", update: { taskId, state } }, nowMs);
}

const offer = (n: number) => roomyOffer(`O${n}`, `S${n}`, `agent${n}`);

/** Deploys one app of one instance and launches it on agent S1; returns its task id. */
function launchOne(core: ServicesCore, app: Record<string, unknown>): string {
  deploy(core, T0, app);
  const [launch] = launches(core.handle({ kind: "offers", offers: [offer(1)] }, T0));
  return launch?.tasks[0]?.task_id.value as string;
}

describe("services core: one union of outputs", () => {
  test("a deploy answers with a reply and writes its app and deployment; the advance after it schedules the instances", () => {
    const core = newCore();
    const out = core.handle(
      { kind: "deploy", change: { upsert: [appDef({ id: "/web", instances: 2 })] }, force: false },
      T0,
    );
    assert.deepEqual(
      out.map((o) => (o.kind === "store_write" ? o.write.kind : o.kind)),
      ["put_app", "put_deployment", "event", "reply"],
    );
    const scheduled = writes(core.handle({ kind: "advance" }, T0)).filter(
      (w) => w.kind === "put_instance",
    );
    assert.equal(scheduled.length, 2);
    assert.equal(core.instancesOf("/web" as AppId).length, 2);
  });

  test("an offer is matched only against apps with waiting instances, in app id order, up to maxInstancesPerOffer", () => {
    const core = newCore({ maxInstancesPerOffer: 3 });
    deploy(core, T0, { id: "/b", instances: 2 }, { id: "/a", instances: 2 }, { id: "/c" });
    deploy(core, T0, { id: "/c", instances: 0 });
    const first = launches(core.handle({ kind: "offers", offers: [offer(1)] }, T0));
    assert.equal(first.length, 1);
    assert.deepEqual(
      first[0]?.tasks.map((t) => parseTaskId(t.task_id.value)?.appId),
      ["/a", "/a", "/b"],
    );
    assert.equal(first[0]?.refuseSeconds, 0, "instances still wait: the rest comes straight back");
    const second = launches(core.handle({ kind: "offers", offers: [offer(2)] }, T0));
    assert.deepEqual(
      second[0]?.tasks.map((t) => parseTaskId(t.task_id.value)?.appId),
      ["/b"],
    );
    assert.equal(second[0]?.refuseSeconds, undefined);
    assert.equal(core.hasWaitingInstances(), false);
    const third = core.handle({ kind: "offers", offers: [offer(3)] }, T0);
    assert.deepEqual(
      third.filter((o) => o.kind === "decline"),
      [{ kind: "decline", offerId: "O3", refuseSeconds: 120 }],
    );
  });
});

describe("services core: instance lifecycle", () => {
  test("a failed task is relaunched as the next incarnation once its launch delay ends; declines meanwhile refuse only until then", () => {
    const core = newCore();
    const taskId = launchOne(core, { id: "/web", backoffSeconds: 10 });
    status(core, taskId, "TASK_RUNNING", T0);
    status(core, taskId, "TASK_FAILED", T0);
    const [i] = core.instancesOf("/web" as AppId);
    assert.equal(i?.incarnation, 2);
    assert.equal(i?.state, undefined, "scheduled again, waiting for an offer");
    assert.equal(core.backoff("/web" as AppId)?.untilMs, T0 + 10_000);
    const held = core.handle({ kind: "offers", offers: [offer(2)] }, T0 + 1000);
    assert.deepEqual(
      held.filter((o) => o.kind === "decline"),
      [{ kind: "decline", offerId: "O2", refuseSeconds: 9 }],
    );
    const [relaunch] = launches(core.handle({ kind: "offers", offers: [offer(3)] }, T0 + 10_000));
    assert.equal(relaunch?.tasks[0]?.task_id.value, taskIdFor(i?.instanceId as string, 2));
  });

  test("a status of an older incarnation only kills that task and changes nothing", () => {
    const core = newCore();
    const first = launchOne(core, { id: "/web" });
    status(core, first, "TASK_KILLED", T0);
    const before = JSON.stringify(core.instances());
    const out = status(core, first, "TASK_RUNNING", T0);
    assert.deepEqual(
      out.filter((o) => o.kind !== "event"),
      [{ kind: "kill", taskId: first, agentId: undefined }],
    );
    const events = out.flatMap((o) => (o.kind === "event" ? [o.event.eventType] : []));
    assert.deepEqual(events, ["unknown_instance_terminated_event"]);
    assert.equal(JSON.stringify(core.instances()), before);
  });

  test("scaling down kills the task of the decommissioned instance, and its end removes it", () => {
    const core = newCore();
    const taskId = launchOne(core, { id: "/web" });
    status(core, taskId, "TASK_RUNNING", T0);
    const out = deploy(core, T0, { id: "/web", instances: 0 });
    assert.deepEqual(
      out.filter((o) => o.kind === "kill"),
      [{ kind: "kill", taskId, agentId: "S1" }],
    );
    assert.equal(core.instancesOf("/web" as AppId)[0]?.goal, "Decommissioned");
    const end = status(core, taskId, "TASK_KILLED", T0);
    assert.ok(writes(end).some((w) => w.kind === "delete_instance"));
    assert.deepEqual(core.instancesOf("/web" as AppId), []);
    assert.deepEqual(core.deployments(), [], "the scale-down deployment finished");
  });

  test("a kill that brought no terminal update is sent again after KILL_RETRY_MS, until the task ends", () => {
    const core = newCore();
    const taskId = launchOne(core, { id: "/web" });
    status(core, taskId, "TASK_RUNNING", T0);
    const kill = { kind: "kill", taskId, agentId: "S1" };
    assert.deepEqual(
      deploy(core, T0, { id: "/web", instances: 0 }).filter((o) => o.kind === "kill"),
      [kill],
    );
    // The kill was lost (a master failover): nothing comes back.
    const kills = (nowMs: number) =>
      core.handle({ kind: "tick" }, nowMs).filter((o) => o.kind === "kill");
    assert.deepEqual(kills(T0 + KILL_RETRY_MS - 1), []);
    assert.deepEqual(kills(T0 + KILL_RETRY_MS), [kill]);
    assert.deepEqual(kills(T0 + KILL_RETRY_MS + 1), [], "not again before its own retry time");
    assert.deepEqual(kills(T0 + 2 * KILL_RETRY_MS), [kill]);
    status(core, taskId, "TASK_KILLED", T0 + 2 * KILL_RETRY_MS);
    assert.deepEqual(kills(T0 + 5 * KILL_RETRY_MS), []);
  });
});

type Op =
  | { op: "deploy"; app: number; instances: number }
  | { op: "offers"; agents: number[] }
  | { op: "status"; pick: number; state: TaskState }
  | { op: "tick"; advanceMs: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("deploy" as const),
    app: fc.integer({ min: 0, max: 2 }),
    instances: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({
    op: fc.constant("offers" as const),
    agents: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    op: fc.constant("status" as const),
    pick: fc.nat(),
    state: fc.constantFrom<TaskState>(
      "TASK_RUNNING",
      "TASK_FAILED",
      "TASK_KILLED",
      "TASK_FINISHED",
      "TASK_UNREACHABLE",
    ),
  }),
  fc.record({ op: fc.constant("tick" as const), advanceMs: fc.integer({ min: 0, max: 5000 }) }),
);

function apply(store: MemoryAppStore, w: ServicesWrite): void {
  if (w.kind === "put_app") store.putApp(w.app);
  else if (w.kind === "delete_app") store.deleteApp(w.appId);
  else if (w.kind === "put_deployment") store.putDeployment(w.deployment);
  else if (w.kind === "delete_deployment") store.deleteDeployment(w.deploymentId);
  else if (w.kind === "put_instance") store.putInstance(w.instance);
  else if (w.kind === "delete_instance") store.deleteInstance(w.instanceId);
  else store.putTaskFailure(w.failure);
}

const byId = <T>(list: T[], id: (t: T) => string) =>
  JSON.parse(JSON.stringify([...list].sort((a, b) => (id(a) < id(b) ? -1 : 1))));

describe("services core: properties", () => {
  test("after any run of deploys, offers, status updates and ticks, a store fed only the writes holds the core's state, and every offer is used or declined once", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const core = newCore({ maxInstancesPerOffer: 2 });
        const store = new MemoryAppStore();
        let nowMs = T0;
        let offerNo = 0;
        for (const op of ops) {
          let input: ServicesInput;
          if (op.op === "deploy") {
            const app = appDef({ id: `/app${op.app}`, instances: op.instances });
            input = { kind: "deploy", change: { upsert: [app] }, force: true };
          } else if (op.op === "offers") {
            const offers = op.agents.map((a) => roomyOffer(`O${++offerNo}`, `S${a}`, `agent${a}`));
            input = { kind: "offers", offers };
          } else if (op.op === "status") {
            const launched = core.instances().filter((i) => i.state !== undefined);
            const i = launched[op.pick % Math.max(1, launched.length)];
            if (i === undefined) continue;
            const taskId = taskIdFor(i.instanceId, i.incarnation);
            input = { kind: "task_status", update: { taskId, state: op.state } };
          } else {
            nowMs += op.advanceMs;
            input = { kind: "tick" };
          }
          const out = core.handle(input, nowMs);
          for (const w of writes(out)) apply(store, w);
          if (input.kind === "deploy")
            for (const w of writes(core.handle({ kind: "advance" }, nowMs))) apply(store, w);
          if (input.kind === "offers") {
            const answered = out.flatMap((o) =>
              o.kind === "launch" || o.kind === "decline" ? [o.offerId] : [],
            );
            assert.deepEqual(
              answered,
              input.offers.map((o) => o.id.value),
            );
            for (const l of launches(out)) assert.ok(l.tasks.length <= 2);
          }
          assert.deepEqual(
            byId(store.instances(), (i) => i.instanceId),
            byId(core.instances(), (i) => i.instanceId),
          );
          assert.deepEqual(
            byId(store.apps(), (v) => v.app.id),
            byId(core.apps(), (v) => v.app.id),
          );
          assert.deepEqual(
            byId(store.deployments(), (d) => d.id),
            byId([...core.deployments()], (d) => d.id),
          );
          const waiting = core
            .instances()
            .some((i) => i.state === undefined && i.goal === "Running");
          assert.equal(core.hasWaitingInstances(), waiting);
        }
      }),
      { numRuns: 150 },
    );
  });
});
