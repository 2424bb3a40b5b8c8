import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkJobs, type JobRun, type JobsObserved } from "./jobs-checks.ts";

const PARENT = "tick";
const CHILD = "after";
const DUES = [10_000, 11_000, 12_000];
const id = (job: string, due: number, attempt = 0) => `ct:${due}:${attempt}:${job}`;

function ran(job: string, dueMs: number, attempt = 0, extra: Partial<JobRun> = {}): JobRun {
  return {
    runId: `${job}@${dueMs}`,
    dueMs,
    trigger: job === PARENT ? "schedule" : "parents",
    state: "success",
    attempt,
    taskId: id(job, dueMs, attempt),
    startedMs: dueMs + 100,
    reason: "",
    ...extra,
  };
}

function coalesced(dueMs: number, lastDueMs: number, count: number): JobRun {
  return {
    runId: `${PARENT}@${dueMs}`,
    dueMs,
    trigger: "schedule",
    state: "skipped",
    attempt: 0,
    taskId: "",
    startedMs: undefined,
    reason: "coalesced",
    skippedCount: count,
    lastDueMs,
  };
}

/** Every occurrence ran once, and the dependent job once after each. */
function clean(): JobsObserved {
  const parentRuns = DUES.map((d) => ran(PARENT, d));
  const childRuns = DUES.map((d) => ran(CHILD, d + 500));
  const all = [...parentRuns, ...childRuns];
  return {
    parent: { name: PARENT, dues: DUES },
    child: { name: CHILD },
    runs: new Map([
      [PARENT, parentRuns],
      [CHILD, childRuns],
    ]),
    masterTasks: new Map(all.map((r) => [r.taskId, "TASK_FINISHED"])),
    done: new Set(all.map((r) => r.taskId)),
  };
}

const details = (o: JobsObserved) => checkJobs(o).map((v) => v.detail);

describe("the jobs checker", () => {
  it("passes a seed whose every occurrence ran once, the dependent job once per parent success", () => {
    assert.deepEqual(checkJobs(clean()), []);
  });

  it("passes occurrences coalesced into a run that started after them", () => {
    const o = clean();
    // The framework was away for the first two occurrences: the latest one ran, once.
    const parentRuns = [coalesced(10_000, 11_000, 2), ran(PARENT, 12_000)];
    const childRuns = [ran(CHILD, 12_500)];
    const all = [...parentRuns, ...childRuns].filter((r) => r.taskId !== "");
    assert.deepEqual(
      checkJobs({
        ...o,
        runs: new Map([
          [PARENT, parentRuns],
          [CHILD, childRuns],
        ]),
        masterTasks: new Map(all.map((r) => [r.taskId, "TASK_FINISHED"])),
        done: new Set(all.map((r) => r.taskId)),
      }),
      [],
    );
  });

  it("catches an occurrence with no entry (lost)", () => {
    const o = clean();
    const runs = new Map(o.runs);
    runs.set(PARENT, [ran(PARENT, 10_000), ran(PARENT, 12_000)]);
    runs.set(CHILD, [ran(CHILD, 10_500), ran(CHILD, 12_500)]);
    assert.ok(details({ ...o, runs }).some((d) => d.includes("has no entry (lost)")));
  });

  it("catches an occurrence recorded both as run and as skipped", () => {
    const o = clean();
    const runs = new Map(o.runs);
    runs.set(PARENT, [...(o.runs.get(PARENT) ?? []), coalesced(11_000, 11_000, 1)]);
    assert.ok(details({ ...o, runs }).some((d) => d.includes("has 2 entries")));
  });

  it("catches a coalescing with no run after it", () => {
    const o = clean();
    const runs = new Map(o.runs);
    const late = { ...ran(PARENT, 10_000), startedMs: 10_100 };
    runs.set(PARENT, [late, coalesced(11_000, 12_000, 2)]);
    runs.set(CHILD, [ran(CHILD, 10_500)]);
    assert.ok(details({ ...o, runs }).some((d) => d.includes("no run succeeded after them")));
  });

  it("catches a run whose command ran twice (a failed attempt that had run to its end)", () => {
    const o = clean();
    const runs = new Map(o.runs);
    runs.set(PARENT, [ran(PARENT, 10_000, 1), ran(PARENT, 11_000), ran(PARENT, 12_000)]);
    const done = new Set([...o.done, id(PARENT, 10_000, 1)]);
    assert.ok(details({ ...o, runs, done }).some((d) => d.includes("ran 2 times")));
  });

  it("catches a success whose command never ran, and a run that failed", () => {
    const o = clean();
    const runs = new Map(o.runs);
    runs.set(PARENT, [
      ran(PARENT, 10_000),
      ran(PARENT, 11_000, 0, { state: "failure" }),
      ran(PARENT, 12_000),
    ]);
    runs.set(CHILD, [ran(CHILD, 10_500), ran(CHILD, 12_500)]);
    const done = new Set([...o.done].filter((t) => t !== id(PARENT, 10_000)));
    const found = details({ ...o, runs, done });
    assert.ok(found.some((d) => d.includes("succeeded, but its command never ran")));
    assert.ok(found.some((d) => d.includes("ended failure")));
  });

  it("catches the dependent job running more (or less) than once per parent success", () => {
    const o = clean();
    const runs = new Map(o.runs);
    runs.set(CHILD, [...(o.runs.get(CHILD) ?? []), ran(CHILD, 13_000)]);
    const done = new Set([...o.done, id(CHILD, 13_000)]);
    assert.ok(details({ ...o, runs, done }).some((d) => d.includes("4 entries for 3 successes")));
  });

  it("catches a task the master saw finish that is no run's, and one it still holds running", () => {
    const o = clean();
    const masterTasks = new Map(o.masterTasks);
    masterTasks.set(id(PARENT, 11_000, 1), "TASK_FINISHED");
    masterTasks.set(id(CHILD, 12_500), "TASK_RUNNING");
    const found = details({ ...o, masterTasks });
    assert.ok(found.some((d) => d.includes("which is not the task of a run")));
    assert.ok(found.some((d) => d.includes("still holds")));
  });

  it("catches a task of an occurrence the ledger skipped that ran anyway", () => {
    const o = clean();
    const runs = new Map(o.runs);
    runs.set(PARENT, [coalesced(10_000, 10_000, 1), ran(PARENT, 11_000), ran(PARENT, 12_000)]);
    runs.set(CHILD, [ran(CHILD, 11_500), ran(CHILD, 12_500)]);
    assert.ok(details({ ...o, runs }).some((d) => d.includes("but no run of tick was due")));
  });
});
