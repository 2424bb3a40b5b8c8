// When runs start (reference §2.5, §2.7, §3.1): scheduled occurrences coming due, dependent
// jobs whose parents all succeeded, and the collision policy between a new run and one still
// active. Every occurrence of a schedule becomes exactly one ledger entry: a run, or a skip
// entry with its reason — occurrences are never dropped silently.
//
// Missed occurrences (after downtime, or while the queue holds a run): the latest one due runs
// once (Chronos 3.x's coalescing, no backfill) and the earlier ones are recorded as skipped
// ("coalesced"); with an epsilon, an occurrence more than epsilon late is skipped ("epsilon")
// instead of run (Chronos 2.x's missed-run window, the reference's recommendation). Unlike
// Chronos, every occurrence consumes a recurrence of an `Rn` schedule, run or skipped, so a
// job's ledger lines up with its schedule one to one.
import { collisionPolicy, epsilonMs, type JobDefinition } from "./job-definition.ts";
import type { JobsCtx } from "./jobs-context.ts";
import type { JobsModel } from "./jobs-model.ts";
import type { JobRecord } from "./jobs-types.ts";
import type { RunRecord, RunTrigger, SkipReason } from "./run-record.ts";
import type { Schedule } from "./schedule/types.ts";

/** Occurrences walked one by one in a pass; beyond this, the rest are skipped in one entry. */
export const MAX_OCCURRENCES_PER_PASS = 10_000;

/** Fires every occurrence due by now, in due order. */
export function fireDue(model: JobsModel, ctx: JobsCtx): void {
  for (;;) {
    const top = model.heap.peek();
    if (top === undefined || top.dueMs > ctx.nowMs) return;
    model.heap.pop();
    const job = model.jobs.get(top.job);
    const s = job?.schedule;
    // Lazy deletion: the job changed (or went) since this entry was pushed.
    if (job === undefined || s === undefined || s.startMs !== top.dueMs || s.remaining === 0)
      continue;
    fireOccurrences(model, ctx, job);
  }
}

function epsilonOf(model: JobsModel, def: JobDefinition): number | undefined {
  if (def.epsilon !== undefined) return epsilonMs(def.epsilon);
  return model.defaultEpsilonMs;
}

/** The occurrences of `s` due by `nowMs`, and the schedule after them. */
function dueOccurrences(
  model: JobsModel,
  s: Schedule,
  nowMs: number,
): { dues: number[]; after: Schedule; more: boolean } {
  const dues: number[] = [];
  let cur = s;
  while (cur.remaining !== 0 && cur.startMs <= nowMs && dues.length < MAX_OCCURRENCES_PER_PASS) {
    dues.push(cur.startMs);
    const remaining = cur.remaining === null ? null : cur.remaining - 1;
    const next = remaining === 0 ? null : model.schedules.nextDue(cur, cur.startMs);
    cur = {
      spec: cur.spec,
      startMs: next ?? cur.startMs,
      remaining: next === null ? 0 : remaining,
    };
  }
  const more = cur.remaining !== 0 && cur.startMs <= nowMs;
  if (more) cur = model.schedules.skipForward(cur, cur.startMs, nowMs);
  return { dues, after: cur, more };
}

function fireOccurrences(model: JobsModel, ctx: JobsCtx, job: JobRecord): void {
  const def = job.definition;
  const { dues, after } = dueOccurrences(model, job.schedule as Schedule, ctx.nowMs);
  job.schedule = after;
  const eps = epsilonOf(model, def);
  const late = (d: number) => eps !== undefined && ctx.nowMs - d > eps;
  // Entries in due order; consecutive occurrences with one reason share a skip entry.
  let group: number[] = [];
  let groupReason: SkipReason | undefined;
  const flush = () => {
    if (groupReason !== undefined && group.length > 0)
      model.recordSkip(ctx, def.name, group, groupReason);
    group = [];
    groupReason = undefined;
  };
  const skip = (d: number, reason: SkipReason) => {
    if (reason !== groupReason) flush();
    groupReason = reason;
    group.push(d);
  };
  dues.forEach((d, i) => {
    if (def.disabled) skip(d, "disabled");
    else if (late(d)) skip(d, "epsilon");
    else if (i < dues.length - 1) skip(d, "coalesced");
    else {
      flush();
      const outcome = startRun(model, ctx, job, d, "schedule");
      if (typeof outcome === "string") skip(d, outcome);
    }
  });
  flush();
  ctx.putJob(job);
  model.pushDue(job);
}

/**
 * Starts a run of `job` due at `dueMs`, or says why the occurrence is skipped. The queue holds
 * at most one waiting run per job (Chronos): a new occurrence folds into it. A run still active
 * meets the job's collision policy: CANCEL_NEW skips the new run, KILL_EXISTING kills the old
 * one, and Chronos's jobs (WAIT) queue the new run behind it; `concurrent` jobs overlap freely.
 */
export function startRun(
  model: JobsModel,
  ctx: JobsCtx,
  job: JobRecord,
  dueMs: number,
  trigger: RunTrigger,
  args: readonly string[] = [],
): RunRecord | SkipReason {
  const def = job.definition;
  const active = model.ledger.activeOf(def.name);
  if (trigger !== "manual") {
    if (active.some((r) => r.state === "queued")) return "coalesced";
    const started = active.filter((r) => r.state !== "queued");
    if (!def.concurrent && started.length > 0) {
      const policy = collisionPolicy(def);
      if (policy === "CANCEL_NEW") return "cancel_new";
      if (policy === "KILL_EXISTING")
        for (const r of started)
          if (r.killRequested !== true)
            model.killRun(
              ctx,
              r,
              `killed by KILL_EXISTING for the run due ${new Date(dueMs).toISOString()}`,
            );
    }
  }
  return model.queueRun(ctx, def, dueMs, trigger, args);
}

/**
 * A parent succeeded (or failed with softError, or was marked successful): every dependent
 * child notes it, and a child all of whose parents succeeded since its last dependency run
 * starts a run due now (Chronos's edge counters, kept on the child's record, reference §4 #17).
 */
export function parentSucceeded(model: JobsModel, ctx: JobsCtx, parent: string): void {
  for (const name of model.graph.children(parent)) {
    const child = model.jobs.get(name);
    if (child === undefined) continue;
    const parents = child.definition.parents ?? [];
    if (!child.parentsDone.includes(parent)) child.parentsDone.push(parent);
    if (!parents.every((p) => child.parentsDone.includes(p))) {
      ctx.putJob(child);
      continue;
    }
    child.parentsDone = [];
    ctx.putJob(child);
    const due = model.freeDue(child, ctx.nowMs);
    if (child.definition.disabled) {
      model.recordSkip(ctx, name, [due], "disabled", "parents");
      continue;
    }
    const outcome = startRun(model, ctx, child, due, "parents");
    if (typeof outcome === "string") model.recordSkip(ctx, name, [due], outcome, "parents");
  }
}
