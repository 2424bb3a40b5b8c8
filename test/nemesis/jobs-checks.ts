// The jobs framework's checker (issue 22: "the jobs framework ran each due occurrence once"),
// pure like checks.ts: from the seed's two jobs as the framework's API reports them (its run
// ledger), the tasks the master saw of the framework, and the done markers the jobs' commands
// wrote, to violations.
//
// What "due" means. Each seed posts a repeating job `R<n>/<start>/PT<p>` whose n occurrences
// all fall inside the fault window, and a job depending on it. Once the seed has settled (the
// schedule used up, no run of either job active) every occurrence is due. The framework may
// have been away at an occurrence's due time (its ZooKeeper session lost, leadership moved to
// the standby, the master failing over, no offers): Chronos then runs the latest occurrence
// missed once and records the earlier ones as `coalesced`, and an occurrence due while a run of
// the job still waits to launch folds into that run. So, for the repeating job:
//
// - every occurrence has exactly one ledger entry: a run due then, or a skip entry covering it
//   (no occurrence lost, none recorded twice, no entry for a time not in the schedule);
// - a skipped occurrence was `coalesced` into a run that succeeded and started after it was due
//   (the job has no epsilon and is never disabled, so no other reason holds);
// - every run succeeded (its command exits 0; a failed attempt is retried), and its command ran
//   to its end exactly once over all its attempts — the task that ran it being the run's last
//   attempt, and no task of a skipped occurrence ran (none run twice);
// - the master saw no task of the job finish other than a run's own task, and holds none running;
//
// and for the dependent job: one ledger entry (a run, or a `coalesced` skip) per success of its
// parent, each run succeeded and ran once, as above.
import type { Violation } from "./checks.ts";

/** A run as `GET job/<name>/history` answers it (times parsed to ms). */
export interface JobRun {
  readonly runId: string;
  readonly dueMs: number;
  readonly trigger: string;
  readonly state: string;
  readonly attempt: number;
  readonly taskId: string;
  readonly startedMs: number | undefined;
  /** The skip reason of a skipped entry (else the queue's "waiting for ..." or ""). */
  readonly reason: string;
  /** How many occurrences a skip entry covers (1 when absent), up to `lastDueMs`. */
  readonly skippedCount?: number;
  readonly lastDueMs?: number;
}

export interface JobsObserved {
  /** The repeating job: its name and the due times of its schedule's occurrences. */
  readonly parent: { readonly name: string; readonly dues: readonly number[] };
  readonly child: { readonly name: string };
  /** Each job's ledger (any order). */
  readonly runs: ReadonlyMap<string, readonly JobRun[]>;
  /** Tasks of the jobs framework the leading master knows (active and completed): id -> state. */
  readonly masterTasks: ReadonlyMap<string, string>;
  /** Task ids whose command ran to its end. */
  readonly done: ReadonlySet<string>;
}

const PROPERTY = "the jobs framework ran each due occurrence once";

/** Chronos's task id `ct:<due ms>:<attempt>:<job>`, parsed; undefined for another id. */
function taskParts(id: string): { dueMs: number; job: string } | undefined {
  const m = /^ct:(\d+):(\d+):([\w.-]+)$/.exec(id);
  return m === null ? undefined : { dueMs: Number(m[1]), job: m[3] as string };
}

/** Which occurrences (of `dues`) a skip entry covers. */
function covered(run: JobRun, dues: readonly number[]): number[] {
  const last = run.lastDueMs ?? run.dueMs;
  return dues.filter((d) => d >= run.dueMs && d <= last);
}

export function checkJobs(o: JobsObserved): Violation[] {
  const out: Violation[] = [];
  const add = (task: string, detail: string) => out.push({ property: PROPERTY, task, detail });
  const parentRuns = o.runs.get(o.parent.name) ?? [];
  const childRuns = o.runs.get(o.child.name) ?? [];
  const successes = (runs: readonly JobRun[]) => runs.filter((r) => r.state === "success");

  // Every occurrence of the schedule: exactly one entry.
  const entries = new Map<number, JobRun[]>();
  for (const run of parentRuns) {
    const at = run.state === "skipped" ? covered(run, o.parent.dues) : [run.dueMs];
    if (run.state === "skipped" && at.length !== (run.skippedCount ?? 1))
      add(
        o.parent.name,
        `skip entry ${run.runId} covers ${at.length} occurrences, says ${run.skippedCount ?? 1}`,
      );
    for (const d of at) {
      if (!o.parent.dues.includes(d))
        add(o.parent.name, `entry ${run.runId} for ${iso(d)}, not an occurrence of the schedule`);
      entries.set(d, [...(entries.get(d) ?? []), run]);
    }
  }
  for (const d of o.parent.dues) {
    const at = entries.get(d) ?? [];
    if (at.length === 0) add(o.parent.name, `the occurrence due ${iso(d)} has no entry (lost)`);
    if (at.length > 1)
      add(
        o.parent.name,
        `the occurrence due ${iso(d)} has ${at.length} entries: ${at.map((r) => r.runId).join(" ")}`,
      );
  }
  // A skip is a coalescing into a run that succeeded and started after the skipped due time.
  for (const run of parentRuns.filter((r) => r.state === "skipped")) {
    const last = run.lastDueMs ?? run.dueMs;
    if (run.reason !== "coalesced")
      add(
        o.parent.name,
        `occurrences from ${iso(run.dueMs)} skipped: ${run.reason || "no reason"}`,
      );
    else if (!successes(parentRuns).some((r) => r.startedMs !== undefined && r.startedMs >= last))
      add(o.parent.name, `occurrences to ${iso(last)} coalesced, but no run succeeded after them`);
  }
  // The dependent job: one entry per success of its parent.
  const childEntries = childRuns.reduce(
    (n, r) => n + (r.state === "skipped" ? (r.skippedCount ?? 1) : 1),
    0,
  );
  if (childEntries !== successes(parentRuns).length)
    add(
      o.child.name,
      `${childEntries} entries for ${successes(parentRuns).length} successes of ${o.parent.name}`,
    );
  for (const run of childRuns.filter((r) => r.state === "skipped" && r.reason !== "coalesced"))
    add(o.child.name, `a parent's success skipped: ${run.reason || "no reason"}`);

  for (const [job, runs] of [
    [o.parent.name, parentRuns],
    [o.child.name, childRuns],
  ] as const)
    out.push(...checkRanOnce(job, runs, o));
  return out;
}

/** Each run succeeded and its command ran to its end once; no skipped occurrence ran; the master agrees. */
function checkRanOnce(job: string, runs: readonly JobRun[], o: JobsObserved): Violation[] {
  const out: Violation[] = [];
  const add = (detail: string) => out.push({ property: PROPERTY, task: job, detail });
  const byDue = new Map<number, JobRun>();
  for (const run of runs) if (run.state !== "skipped") byDue.set(run.dueMs, run);
  const ranTo = (dueMs: number) =>
    [...o.done].filter((id) => {
      const p = taskParts(id);
      return p !== undefined && p.job === job && p.dueMs === dueMs;
    });
  for (const run of byDue.values()) {
    if (run.state !== "success")
      add(
        `the run due ${iso(run.dueMs)} ended ${run.state} (attempt ${run.attempt}): its command exits 0`,
      );
    const ran = ranTo(run.dueMs);
    if (run.state === "success" && ran.length === 0)
      add(`the run due ${iso(run.dueMs)} succeeded, but its command never ran to its end`);
    if (ran.length > 1)
      add(`the run due ${iso(run.dueMs)} ran ${ran.length} times: ${ran.join(" ")}`);
    if (ran.length === 1 && ran[0] !== run.taskId)
      add(`the run due ${iso(run.dueMs)} ran as ${ran[0]}, yet its last attempt is ${run.taskId}`);
  }
  for (const id of o.done) {
    const p = taskParts(id);
    if (p !== undefined && p.job === job && !byDue.has(p.dueMs))
      add(`${id} ran, but no run of ${job} was due ${iso(p.dueMs)}`);
  }
  for (const [id, state] of o.masterTasks) {
    const p = taskParts(id);
    if (p === undefined || p.job !== job) continue;
    const run = byDue.get(p.dueMs);
    if (state === "TASK_FINISHED" && run?.taskId !== id)
      add(`the master saw ${id} finish, which is not the task of a run of ${job}`);
    if (state === "TASK_RUNNING" || state === "TASK_STAGING" || state === "TASK_STARTING")
      add(`the master still holds ${id} ${state} with every run of ${job} ended`);
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
