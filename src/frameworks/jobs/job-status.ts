// Task status updates to run outcomes (reference §2.6), with simple rules (reference §4 #22):
// - TASK_RUNNING: the run is running (its start time is the first RUNNING seen).
// - TASK_FINISHED: success — stats, dependents fire, an exhausted `Rn` job is disabled.
// - TASK_KILLED, or any failure of an attempt whose kill was asked for: killed, no retry.
// - TASK_FAILED / ERROR / LOST / GONE: a failed attempt; the run is retried (a new attempt, a
//   new task id) after the retry delay while the job's budget allows (`retries` + 1 attempts,
//   or Aurora's `maxTaskFailures`, -1 = unlimited), else it fails — stats, and dependents fire
//   for a `softError` job. Chronos's quirk of giving no retries to a job whose previous run
//   failed is not copied.
// - An attempt Mesos never heard of (TASK_DROPPED / TASK_UNKNOWN, or LOST from reconciliation,
//   while the run was still launching) never ran: it is relaunched at once and is not counted
//   against the retries — this is how a scheduler that died between recording a launch and
//   sending it recovers without running anything twice.
// - TASK_UNREACHABLE: the agent is away; the run waits for the task to come back or be gone.
// - TASK_ERROR "Task has duplicate ID": the master already holds a live task with this id, i.e.
//   this very attempt, launched by an earlier term whose store write was lost: it says nothing
//   of the attempt's outcome, which its own updates (or reconciliation) bring. Taken as a
//   failure, it ran the occurrence a second time (nemesis seed 5952).
// - A task this framework made but no run owns (or an older attempt) is killed if it still runs.
import { isTerminalState } from "../../wire/status.ts";
import { parentSucceeded } from "./job-firing.ts";
import type { JobsCtx } from "./jobs-context.ts";
import type { JobsModel } from "./jobs-model.ts";
import type { TaskStatusInput } from "./jobs-types.ts";
import { exitCodeOf, isActive, parseTaskId, type RunRecord } from "./run-record.ts";

const NEVER_RAN = new Set(["TASK_DROPPED", "TASK_UNKNOWN"]);

export function applyStatus(model: JobsModel, ctx: JobsCtx, u: TaskStatusInput): void {
  const run = model.ledger.byTask(u.taskId);
  if (run === undefined || run.taskId !== u.taskId) {
    if (!isTerminalState(u.state) && parseTaskId(u.taskId) !== undefined)
      ctx.call({ kind: "kill", taskId: u.taskId, agentId: u.agentId });
    return;
  }
  if (!isActive(run)) return; // a repeated terminal update
  if (isDuplicateLaunch(u)) return;
  if (u.message !== undefined) run.message = u.message;
  if (u.agentId !== undefined) run.agentId = u.agentId;
  switch (u.state) {
    case "TASK_STAGING":
    case "TASK_STARTING":
    case "TASK_KILLING":
    case "TASK_UNREACHABLE":
      model.ledger.update(ctx, run);
      return;
    case "TASK_RUNNING":
      if (run.state !== "running") {
        run.state = "running";
        // The executor's own time: updates may wait in line (or across a failover) to get here.
        run.startedMs ??= u.timestampMs ?? ctx.nowMs;
        model.ledger.update(ctx, run);
      }
      return;
    case "TASK_FINISHED":
      finish(model, ctx, run, "success", u.timestampMs);
      return;
    case "TASK_KILLED":
      finish(model, ctx, run, "killed", u.timestampMs);
      return;
    default:
      failed(model, ctx, run, u);
  }
}

/** The master's refusal of a second launch of a task id it knows as live (or unreachable). */
function isDuplicateLaunch(u: TaskStatusInput): boolean {
  return (
    u.state === "TASK_ERROR" &&
    u.reason === "REASON_TASK_INVALID" &&
    u.message?.startsWith("Task has duplicate ID") === true
  );
}

function failed(model: JobsModel, ctx: JobsCtx, run: RunRecord, u: TaskStatusInput): void {
  if (run.killRequested === true) {
    finish(model, ctx, run, "killed");
    return;
  }
  const neverRan =
    run.state === "launching" &&
    (NEVER_RAN.has(u.state) || (u.state === "TASK_LOST" && u.reason === "REASON_RECONCILIATION"));
  if (!neverRan) run.failures++;
  if (neverRan || model.canRetry(run)) {
    run.state = "queued";
    run.attempt++;
    if (neverRan) delete run.notBeforeMs;
    else run.notBeforeMs = ctx.nowMs + model.failureRetryMs;
    model.ledger.update(ctx, run);
    return;
  }
  finish(model, ctx, run, "failure");
}

/** Ends a run (from a status, or a kill of a run that never launched). */
export function finish(
  model: JobsModel,
  ctx: JobsCtx,
  run: RunRecord,
  outcome: "success" | "failure" | "killed",
  atMs = ctx.nowMs,
): void {
  run.state = outcome;
  run.endedMs = atMs;
  const code = exitCodeOf(run.message);
  if (code !== undefined) run.exitCode = code;
  else if (outcome === "success") run.exitCode = 0;
  model.ledger.update(ctx, run);
  model.waiting.delete(run.runId);
  ctx.event({ type: "run_finished", run: { ...run } });
  const job = model.jobs.get(run.job);
  if (job === undefined || outcome === "killed") return;
  if (outcome === "success") {
    job.stats.successCount++;
    job.stats.errorsSinceLastSuccess = 0;
    job.stats.lastSuccessMs = ctx.nowMs;
    // Chronos disables a job whose `Rn` is used up after its last successful run.
    if (job.schedule?.remaining === 0 && model.ledger.activeOf(run.job).length === 0) {
      model.jobs.set(run.job, { ...job, definition: { ...job.definition, disabled: true } });
      ctx.event({ type: "job_disabled", job: run.job, why: "its schedule has no runs left" });
    }
  } else {
    job.stats.errorCount++;
    job.stats.errorsSinceLastSuccess++;
    job.stats.lastErrorMs = ctx.nowMs;
  }
  ctx.putJob(model.jobs.get(run.job) ?? job);
  if (outcome === "success" || job.definition.softError) parentSucceeded(model, ctx, run.job);
}
