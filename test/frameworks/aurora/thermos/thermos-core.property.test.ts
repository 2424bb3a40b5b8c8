// Properties of the Thermos core under random tasks and random process exits, restarts and
// kills on a virtual clock: a process never starts before its order() predecessors succeeded,
// no process fails more often than max_failures allows, max_concurrency is never exceeded, and
// a killed task always ends once its processes obey their signals.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CoreHarness, proc } from "./core-harness.ts";

const NAMES = ["a", "b", "c", "d"];

const taskArb = fc
  .record({
    count: fc.integer({ min: 1, max: 4 }),
    specs: fc.array(
      fc.record({
        max_failures: fc.integer({ min: 0, max: 3 }),
        daemon: fc.boolean(),
        ephemeral: fc.boolean(),
        final: fc.boolean(),
        min_duration: fc.constantFrom(0, 1, 3),
      }),
      { minLength: 4, maxLength: 4 },
    ),
    order: fc.shuffledSubarray(NAMES),
    max_concurrency: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ count, specs, order, max_concurrency }) => {
    const names = NAMES.slice(0, count);
    const inTask = order.filter((n) => names.includes(n));
    return {
      name: "t",
      processes: names.map((n, i) => proc(n, specs[i])),
      constraints: inTask.length > 1 ? [{ order: inTask }] : [],
      max_concurrency,
      finalization_wait: 10,
    };
  });

const actionArb = fc.oneof(
  fc.record({ kind: fc.constant("exit" as const), pick: fc.nat(), code: fc.constantFrom(0, 0, 1) }),
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 4_000 }) }),
  fc.record({ kind: fc.constant("kill" as const), termAfterMs: fc.constantFrom(0, 2_000) }),
);

test("order, max_failures and max_concurrency hold, and a killed task ends", () => {
  fc.assert(
    fc.property(taskArb, fc.array(actionArb, { maxLength: 40 }), (task, actions) => {
      const h = new CoreHarness(task);
      const spec = new Map(task.processes.map((p) => [p.name, p]));
      const preds = new Map<string, string[]>();
      for (const { order } of task.constraints) {
        for (let i = 1; i < order.length; i++)
          preds.set(order[i]!, [...(preds.get(order[i]!) ?? []), order[i - 1]!]);
      }
      let checked = 0;
      const check = () => {
        const snap = h.core.snapshot();
        for (const s of h.spawns().slice(checked)) {
          for (const p of preds.get(s.process) ?? []) {
            // A final process waits only on final predecessors.
            if (spec.get(s.process)?.final && !spec.get(p)?.final) continue;
            assert.equal(snap[p]?.state, "SUCCESS", `${s.process} started before ${p} succeeded`);
          }
        }
        checked = h.spawns().length;
        for (const [name, status] of Object.entries(snap)) {
          const max = spec.get(name)?.max_failures ?? 0;
          if (max > 0)
            assert.ok(status.failures <= max, `${name} failed ${status.failures} > ${max}`);
        }
        if (task.max_concurrency > 0) assert.ok(h.live.size <= task.max_concurrency);
      };
      h.start();
      check();
      for (const action of actions) {
        if (h.finished() !== undefined) break;
        if (action.kind === "exit") {
          const live = [...h.live.values()];
          if (live.length > 0) h.exit(live[action.pick % live.length]!.process, action.code);
        } else if (action.kind === "advance") h.advance(action.ms);
        else
          h.feed({
            kind: "kill",
            outcome: "TASK_KILLED",
            message: "k",
            graceMs: 10_000,
            termAfterMs: action.termAfterMs,
          });
        check();
      }
      h.feed({ kind: "kill", outcome: "TASK_KILLED", message: "k", graceMs: 10_000 });
      // Processes honour their signals; final processes end as soon as they start.
      for (let i = 0; i < 20 && h.finished() === undefined; i++) {
        h.obeySignals();
        for (const s of [...h.live.values()]) if (spec.get(s.process)?.final) h.exit(s.process, 0);
        h.advance(5_000);
        check();
      }
      assert.ok(h.finished() !== undefined, "the killed task did not end");
      assert.equal(h.live.size, 0);
    }),
    { numRuns: 300 },
  );
});
