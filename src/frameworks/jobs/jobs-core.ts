// JobsCore: the jobs framework's pure state machine (DESIGN.md "Pure core, thin shell", shaped
// like services-core.ts). One input switch; the parts work on one JobsModel through a context
// that collects the outputs: job-firing.ts (due occurrences, dependencies, collisions),
// job-offers.ts (placement and "why is it not running"), job-status.ts (outcomes, retries).
// Nothing here writes a store, calls Mesos or reads a clock: the shell (jobs-state.ts) hands in
// inputs with the time and carries out the outputs in order — the store writes durably before
// any launch, which is what makes every run recorded before its task exists.
import { type JobDefinition, jobKind } from "./job-definition.ts";
import { fireDue, startRun } from "./job-firing.ts";
import { reparented } from "./job-graph.ts";
import { blockedReason, matchOffers } from "./job-offers.ts";
import { applyStatus, finish } from "./job-status.ts";
import { validateJob } from "./job-validation.ts";
import { JobsCtx } from "./jobs-context.ts";
import { JobsModel } from "./jobs-model.ts";
import type {
  JobRecord,
  JobsCoreOptions,
  JobsInput,
  JobsOutput,
  JobsSnapshot,
  PutEndpoint,
  Result,
  WaitingReason,
} from "./jobs-types.ts";
import type { RunRecord } from "./run-record.ts";
import type { Schedule } from "./schedule/types.ts";

/** Queued runs one job may have (run now adds one each time; schedules keep one at most). */
export const MAX_QUEUED_RUNS_PER_JOB = 100;

const notFound = (name: string) =>
  ({ ok: false, error: { code: "JOB_NOT_FOUND", message: `Job '${name}' not found` } }) as const;

export class JobsCore {
  protected readonly model: JobsModel;

  constructor(options: JobsCoreOptions, snapshot: JobsSnapshot) {
    this.model = new JobsModel(options, snapshot);
  }

  /** Handles one input at `nowMs`; the outputs are to be carried out in order. */
  handle(input: JobsInput, nowMs: number): JobsOutput[] {
    const ctx = new JobsCtx(nowMs);
    const m = this.model;
    switch (input.kind) {
      case "put_job":
        ctx.reply({ to: "put_job", result: this.#putJob(ctx, input.job, input.endpoint) });
        break;
      case "delete_job":
        ctx.reply({ to: "delete_job", result: this.#deleteJob(ctx, input.name) });
        break;
      case "run_now": {
        const job = m.jobs.get(input.name);
        const queued = m.ledger.activeOf(input.name).filter((r) => r.state === "queued").length;
        if (job === undefined) ctx.reply({ to: "run_now", result: notFound(input.name) });
        else if (queued >= MAX_QUEUED_RUNS_PER_JOB) {
          const message = `Job '${input.name}' already has ${queued} runs waiting; try again once they ran`;
          ctx.reply({ to: "run_now", result: { ok: false, error: { code: "INVALID", message } } });
        } else {
          const run = startRun(m, ctx, job, m.freeDue(job, nowMs), "manual", input.arguments);
          ctx.reply({ to: "run_now", result: { ok: true, value: run as RunRecord } });
        }
        break;
      }
      case "mark_success":
        ctx.reply({ to: "mark_success", result: this.#markSuccess(ctx, input.name) });
        break;
      case "kill_job":
        ctx.reply({ to: "kill_job", result: this.#killJob(ctx, input.name) });
        break;
      case "offers":
        fireDue(m, ctx);
        matchOffers(m, ctx, input.offers);
        break;
      case "task_status":
        applyStatus(m, ctx, input.update);
        break;
      case "tick":
        fireDue(m, ctx);
        break;
    }
    return ctx.out;
  }

  // ---- queries -------------------------------------------------------------------------------

  jobs(): JobRecord[] {
    return [...this.model.jobs.values()];
  }
  job(name: string): JobRecord | undefined {
    return this.model.jobs.get(name);
  }
  /** The job's runs, newest first (queued and running ones included). */
  runsOf(name: string): RunRecord[] {
    return this.model.ledger.ofJob(name);
  }
  children(name: string): string[] {
    return this.model.graph.children(name);
  }
  /** Queued runs in launch order, each with why it is not running. */
  queue(nowMs: number): { run: RunRecord; why: WaitingReason }[] {
    const out: { run: RunRecord; why: WaitingReason }[] = [];
    for (const run of this.model.ledger.queued())
      out.push({ run, why: this.whyWaiting(run, nowMs) });
    return out;
  }
  /** Why a queued run is not running (a retry delay, a collision, or what the offers lacked). */
  whyWaiting(run: RunRecord, nowMs: number): WaitingReason {
    return (
      blockedReason(this.model, run, nowMs, new Set()) ??
      this.model.waiting.get(run.runId) ?? { waiting: "offers", detail: "no offers yet" }
    );
  }

  /** Whether a run waits for an offer (the adapter then wants offers). */
  wantsOffers(nowMs: number): boolean {
    for (const run of this.model.ledger.queued())
      if (blockedReason(this.model, run, nowMs, new Set()) === undefined) return true;
    return false;
  }
  /** The tasks to reconcile after a (re)subscription: every launched, unfinished attempt. */
  activeTasks(): { taskId: string; agentId?: string }[] {
    const out: { taskId: string; agentId?: string }[] = [];
    for (const run of this.model.ledger.all()) {
      if ((run.state !== "launching" && run.state !== "running") || run.taskId === undefined)
        continue;
      out.push(
        run.agentId === undefined
          ? { taskId: run.taskId }
          : { taskId: run.taskId, agentId: run.agentId },
      );
    }
    return out;
  }
  /** When the next occurrence or retry comes due (the shell's timer); undefined if none. */
  nextWakeMs(): number | undefined {
    let next = this.model.heap.peek()?.dueMs;
    for (const run of this.model.ledger.queued())
      if (run.notBeforeMs !== undefined && (next === undefined || run.notBeforeMs < next))
        next = run.notBeforeMs;
    return next;
  }
  /** The schedule text a client reads back. */
  formatSchedule(schedule: Schedule): string {
    return this.model.schedules.formatSchedule(schedule);
  }
  get runCount(): number {
    return this.model.ledger.size;
  }
  get queuedCount(): number {
    return this.model.ledger.queuedCount;
  }

  // ---- commands ------------------------------------------------------------------------------

  #putJob(ctx: JobsCtx, input: JobDefinition, endpoint: PutEndpoint): Result<{ created: boolean }> {
    const m = this.model;
    const checked = validateJob(m, input, endpoint, ctx.nowMs);
    if (!checked.ok) return checked;
    const { definition, schedule } = checked.value;
    const old = m.jobs.get(definition.name);
    const record: JobRecord = {
      definition,
      parentsDone: (old?.parentsDone ?? []).filter((p) => definition.parents?.includes(p)),
      // Run history and stats stay with the job across replacements (reference §4 #21).
      stats: old?.stats ?? { successCount: 0, errorCount: 0, errorsSinceLastSuccess: 0 },
    };
    const sameSchedule =
      old?.schedule !== undefined &&
      schedule !== undefined &&
      old.schedule.spec.kind === schedule.spec.kind &&
      old.schedule.spec.text === schedule.spec.text &&
      old.schedule.spec.timeZone === schedule.spec.timeZone;
    const kept = sameSchedule ? old?.schedule : schedule;
    if (kept !== undefined) record.schedule = kept;
    if (old !== undefined) m.graph.remove(old.definition);
    m.graph.add(definition);
    m.jobs.set(definition.name, record);
    ctx.putJob(record);
    m.pushDue(record);
    if (definition.disabled) this.#dropQueued(ctx, definition.name, "the job is disabled");
    fireDue(m, ctx);
    return { ok: true, value: { created: old === undefined } };
  }

  #deleteJob(ctx: JobsCtx, name: string): Result<void> {
    const m = this.model;
    const job = m.jobs.get(name);
    if (job === undefined) return notFound(name);
    for (const run of m.ledger.activeOf(name))
      if (run.state !== "queued" && run.taskId !== undefined)
        ctx.call({ kind: "kill", taskId: run.taskId, agentId: run.agentId });
    m.ledger.dropJob(ctx, name);
    m.graph.remove(job.definition);
    m.jobs.delete(name);
    ctx.deleteJob(name);
    for (const childName of m.graph.children(name)) {
      const child = m.jobs.get(childName);
      if (child === undefined) continue;
      const definition = reparented(job.definition, child.definition);
      m.graph.remove(child.definition);
      m.graph.add(definition);
      const next: JobRecord = { ...child, definition, parentsDone: [] };
      // An only child of a scheduled job takes over the parent's schedule as it stands.
      if (jobKind(definition) !== "dependent" && job.schedule !== undefined)
        next.schedule = job.schedule;
      m.jobs.set(childName, next);
      ctx.putJob(next);
      m.pushDue(next);
    }
    return { ok: true, value: undefined };
  }

  #markSuccess(ctx: JobsCtx, name: string): Result<void> {
    const m = this.model;
    const job = m.jobs.get(name);
    if (job === undefined) return notFound(name);
    const run = m.queueRun(ctx, job.definition, m.freeDue(job, ctx.nowMs), "manual");
    run.message = "marked successful";
    run.startedMs = ctx.nowMs;
    finish(m, ctx, run, "success");
    return { ok: true, value: undefined };
  }

  #killJob(ctx: JobsCtx, name: string): Result<{ killed: number }> {
    const m = this.model;
    if (!m.jobs.has(name)) return notFound(name);
    let killed = 0;
    for (const run of m.ledger.activeOf(name)) {
      if (run.state === "queued") continue;
      m.killRun(ctx, run, "killed by request");
      killed++;
    }
    killed += this.#dropQueued(ctx, name, "killed by request");
    return { ok: true, value: { killed } };
  }

  /** Ends a job's queued runs (nothing launched yet) as killed. */
  #dropQueued(ctx: JobsCtx, name: string, why: string): number {
    let n = 0;
    for (const run of this.model.ledger.activeOf(name)) {
      if (run.state !== "queued") continue;
      run.message = why;
      finish(this.model, ctx, run, "killed");
      n++;
    }
    return n;
  }
}
