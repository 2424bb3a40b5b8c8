// Exactly once, as a property (issue #16): random schedules, random task outcomes, scheduler
// restarts (some between recording a launch and sending it) on a virtual clock, with the test
// playing a Mesos that keeps every task's true state and answers reconciliation. Whatever
// happens: no task id is launched twice, no occurrence has two tasks alive at once or succeeds
// twice, and every occurrence of every schedule up to the end is in the ledger — as a run or as
// a skip entry with its reason — none silently lost.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { JobsEffect } from "../../../src/frameworks/jobs/jobs-state.ts";
import { parseTaskId } from "../../../src/frameworks/jobs/run-record.ts";
import type { TaskState } from "../../../src/wire/status.ts";
import { checkLedgerCoverage, JobsHarness, offerOf, T0 } from "./fixtures.ts";

const MIN = 60_000;

const jobArb = fc.record({
  periodMin: fc.integer({ min: 1, max: 7 }),
  offsetMin: fc.integer({ min: 0, max: 5 }),
  epsilonMin: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  policy: fc.constantFrom(undefined, "CANCEL_NEW", "KILL_EXISTING"),
  concurrent: fc.boolean(),
  retries: fc.integer({ min: 0, max: 2 }),
  finite: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
});

const actionArb = fc.oneof(
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 4 * MIN }) }),
  fc.record({ kind: fc.constant("offer" as const), cpus: fc.constantFrom(0.1, 0.3, 8) }),
  fc.record({
    kind: fc.constant("outcome" as const),
    pick: fc.nat(),
    state: fc.constantFrom<TaskState>("TASK_FINISHED", "TASK_FAILED", "TASK_LOST", "TASK_FINISHED"),
  }),
  fc.record({ kind: fc.constant("restart" as const), dropLaunches: fc.boolean() }),
  fc.record({ kind: fc.constant("run_now" as const), pick: fc.nat() }),
);

interface TaskTruth {
  state: TaskState;
  run: string;
}

test("no occurrence runs twice and none is silently lost, across restarts and failures", () => {
  let occurrencesChecked = 0;
  fc.assert(
    fc.property(
      fc.array(jobArb, { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      fc.array(actionArb, { minLength: 5, maxLength: 60 }),
      (specs, withChild, actions) => {
        const h = new JobsHarness({ historyPerJob: 100_000 });
        const names = specs.map((_, i) => `job${i}`);
        specs.forEach((s, i) => {
          const r = h.put({
            name: names[i],
            schedule: `${s.finite === undefined ? "R" : `R${s.finite}`}/${new Date(T0 + s.offsetMin * MIN).toISOString()}/PT${s.periodMin}M`,
            ...(s.epsilonMin === undefined ? {} : { epsilon: `PT${s.epsilonMin}M` }),
            ...(s.policy === undefined ? {} : { cronCollisionPolicy: s.policy }),
            concurrent: s.concurrent,
            retries: s.retries,
          });
          assert.ok(r.ok, JSON.stringify(r));
        });
        if (withChild) assert.ok(h.put({ name: "child", parents: [names[0]] }, "dependency").ok);
        const originals = names.map((n) => ({ ...(h.state.job(n)?.schedule ?? assert.fail()) }));

        // Mesos's truth.
        const tasks = new Map<string, TaskTruth>();
        const alive = (run: string) =>
          [...tasks.values()].filter((t) => t.run === run && t.state === "TASK_RUNNING");
        const successes = new Map<string, number>();
        const deliver = (taskId: string, state: TaskState, reason?: string) =>
          carry(
            h.state.handleStatus(
              { taskId, state, agentId: "agent-1", ...(reason ? { reason } : {}) },
              h.nowMs,
            ),
          );
        const end = (taskId: string, state: TaskState) => {
          const t = tasks.get(taskId);
          if (t === undefined || t.state !== "TASK_RUNNING") return;
          t.state = state;
          if (state === "TASK_FINISHED") successes.set(t.run, (successes.get(t.run) ?? 0) + 1);
          deliver(taskId, state);
        };
        function carry(calls: JobsEffect[], drop = false): void {
          for (const c of calls) {
            if (c.kind === "kill") end(c.taskId, "TASK_KILLED");
            if (c.kind !== "launch" || drop) continue;
            for (const task of c.tasks) {
              const id = task.task_id.value;
              assert.ok(!tasks.has(id), `task ${id} launched twice`);
              const p = parseTaskId(id);
              assert.ok(p !== undefined);
              const run = `${p.job}@${p.dueMs}`;
              assert.equal(alive(run).length, 0, `run ${run} has two tasks alive`);
              tasks.set(id, { state: "TASK_RUNNING", run });
              deliver(id, "TASK_RUNNING");
            }
          }
        }

        for (const a of actions) {
          if (a.kind === "advance") {
            h.nowMs += a.ms;
            carry(h.state.tick(h.nowMs));
          } else if (a.kind === "offer") {
            carry(h.state.handleOffers([offerOf("agent-1", { cpus: a.cpus })], h.nowMs));
          } else if (a.kind === "outcome") {
            const live = [...tasks].filter(([, t]) => t.state === "TASK_RUNNING");
            const chosen = live[a.pick % Math.max(1, live.length)];
            if (chosen !== undefined) end(chosen[0], a.state);
          } else if (a.kind === "run_now") {
            const name = names[a.pick % names.length] as string;
            carry(h.state.runNow(name, [], h.nowMs).calls);
          } else {
            if (a.dropLaunches) carry(h.state.handleOffers([offerOf("agent-1")], h.nowMs), true);
            h.restart();
            // Reconciliation: Mesos answers for every task the new scheduler asks about.
            for (const { taskId } of h.state.activeTasks()) {
              const truth = tasks.get(taskId);
              if (truth === undefined) deliver(taskId, "TASK_LOST", "REASON_RECONCILIATION");
              else deliver(taskId, truth.state);
            }
          }
        }

        for (const [run, n] of successes) assert.ok(n <= 1, `run ${run} succeeded ${n} times`);
        // Every occurrence due by now is one ledger entry.
        names.forEach((name, i) => {
          const original = originals[i] as NonNullable<(typeof originals)[number]>;
          occurrencesChecked += checkLedgerCoverage(h.state, name, original, h.nowMs);
        });
      },
    ),
    { numRuns: 150 },
  );
  // The property is not vacuous: the runs walked many occurrences.
  assert.ok(occurrencesChecked > 300, `only ${occurrencesChecked} occurrences checked`);
});
