// The jobs core's state, shared by its parts (firing, offers, status updates, commands): the
// job records, the dependency graph, the run ledger, the heap of next due times, and what each
// queued run is waiting for. Plain data with small helpers; the behaviour is in the parts.
import { assert } from "../../base/assert.ts";
import { DueHeap } from "./due-heap.ts";
import { type JobDefinition, maxFailedAttempts } from "./job-definition.ts";
import { JobGraph } from "./job-graph.ts";
import type { JobsCtx } from "./jobs-context.ts";
import type { JobRecord, JobsCoreOptions, JobsSnapshot, WaitingReason } from "./jobs-types.ts";
import { RunLedger } from "./run-ledger.ts";
import { type RunRecord, type RunTrigger, runIdOf, type SkipReason } from "./run-record.ts";
import type { ScheduleModule } from "./schedule/types.ts";

/** Chronos's `--failure_retry` default. */
export const DEFAULT_FAILURE_RETRY_MS = 60_000;
/** Chronos's `--decline_offer_duration` is 5 s; while nothing waits we refuse for longer. */
export const DEFAULT_DECLINE_REFUSE_SECONDS = 120;

export class JobsModel {
  readonly jobs = new Map<string, JobRecord>();
  readonly graph: JobGraph;
  readonly ledger: RunLedger;
  readonly heap = new DueHeap();
  /** Why each queued run did not launch at the last offers (or check); memory only. */
  readonly waiting = new Map<string, WaitingReason>();
  readonly schedules: ScheduleModule;
  readonly failureRetryMs: number;
  readonly defaultEpsilonMs: number | undefined;
  readonly defaultUser: string | undefined;
  readonly declineRefuseSeconds: number;
  readonly role: string;

  constructor(options: JobsCoreOptions, snapshot: JobsSnapshot) {
    this.schedules = options.schedules;
    this.failureRetryMs = options.failureRetryMs ?? DEFAULT_FAILURE_RETRY_MS;
    this.defaultEpsilonMs = options.defaultEpsilonMs;
    this.defaultUser = options.defaultUser;
    this.declineRefuseSeconds = options.declineRefuseSeconds ?? DEFAULT_DECLINE_REFUSE_SECONDS;
    this.role = options.role ?? "jobs";
    for (const j of snapshot.jobs) this.jobs.set(j.definition.name, j);
    this.graph = new JobGraph([...this.jobs.values()].map((j) => j.definition));
    this.ledger = new RunLedger(snapshot.runs, options.historyPerJob);
    for (const j of this.jobs.values()) this.pushDue(j);
  }

  definition(name: string): JobDefinition | undefined {
    return this.jobs.get(name)?.definition;
  }

  /** Puts the job's next due time on the heap (iso8601 and cron jobs with runs left). */
  pushDue(job: JobRecord): void {
    const s = job.schedule;
    if (s !== undefined && s.remaining !== 0)
      this.heap.push({ dueMs: s.startMs, job: job.definition.name });
  }

  /** A due time for a run of `job` near `dueMs` whose run id (and task ids) are unused. */
  freeDue(job: JobRecord, dueMs: number): number {
    let due = dueMs;
    while (
      this.ledger.get(runIdOf(job.definition.name, due)) !== undefined ||
      due === job.schedule?.startMs
    )
      due++;
    return due;
  }

  /** Records a new queued run. */
  queueRun(
    ctx: JobsCtx,
    job: JobDefinition,
    dueMs: number,
    trigger: RunTrigger,
    args: readonly string[] = [],
  ): RunRecord {
    const run: RunRecord = {
      runId: runIdOf(job.name, dueMs),
      job: job.name,
      dueMs,
      trigger,
      arguments: [...args],
      highPriority: job.highPriority,
      state: "queued",
      attempt: 0,
      failures: 0,
    };
    this.ledger.add(ctx, run);
    return run;
  }

  /** Records skipped occurrences: `dues` ascending, one entry covering them all. */
  recordSkip(
    ctx: JobsCtx,
    job: string,
    dues: readonly number[],
    reason: SkipReason,
    trigger: RunTrigger = "schedule",
  ): void {
    const first = dues[0];
    const last = dues[dues.length - 1];
    assert(first !== undefined && last !== undefined, "recordSkip without occurrences");
    const run: RunRecord = {
      runId: runIdOf(job, first),
      job,
      dueMs: first,
      trigger,
      arguments: [],
      highPriority: false,
      state: "skipped",
      attempt: 0,
      failures: 0,
      skipReason: reason,
      endedMs: ctx.nowMs,
      ...(dues.length > 1 ? { skippedCount: dues.length, lastDueMs: last } : {}),
    };
    this.ledger.add(ctx, run);
    ctx.event({ type: "run_skipped", job, dueMs: first, reason, count: dues.length });
  }

  /** Kills the run's current task; its terminal update ends the run as killed (no retry). */
  killRun(ctx: JobsCtx, run: RunRecord, why: string): void {
    run.killRequested = true;
    run.message = why;
    this.ledger.update(ctx, run);
    if (run.taskId !== undefined)
      ctx.call({ kind: "kill", taskId: run.taskId, agentId: run.agentId });
  }

  canRetry(run: RunRecord): boolean {
    const def = this.definition(run.job);
    return def !== undefined && run.failures < maxFailedAttempts(def);
  }
}
