// The shell around the jobs core (jobs-core.ts): it reads the store once at start, hands each
// command and Mesos input to the core with the time, applies the input's store writes as one
// batch and tells the listeners about events; the scheduler calls go back to the caller (the
// Mesos adapter), which sends them only once the batch is durable. The core stays pure.
import { assert } from "../../base/assert.ts";
import type { Offer } from "../../wire/offer.ts";
import type { SchedulerCallOutput } from "../services/services-outputs.ts";
import type { JobDefinition } from "./job-definition.ts";
import type { JobStore } from "./job-store.ts";
import { JobsCore } from "./jobs-core.ts";
import type {
  JobsCoreOptions,
  JobsEvent,
  JobsInput,
  JobsOutput,
  JobsReply,
  JobsWrite,
  PutEndpoint,
  Result,
  TaskStatusInput,
} from "./jobs-types.ts";
import type { RunRecord } from "./run-record.ts";

export type JobsEffect = SchedulerCallOutput;

function replyTo<T extends JobsReply["to"]>(
  out: readonly JobsOutput[],
  to: T,
): Extract<JobsReply, { to: T }> {
  for (const o of out)
    if (o.kind === "reply" && o.reply.to === to) return o.reply as Extract<JobsReply, { to: T }>;
  assert(false, `the jobs core gave no ${to} reply`);
}

function schedulerCalls(out: readonly JobsOutput[]): JobsEffect[] {
  return out.filter(
    (o): o is JobsEffect => o.kind === "launch" || o.kind === "decline" || o.kind === "kill",
  );
}

export interface JobsStateOptions extends JobsCoreOptions {
  readonly store: JobStore;
}

/** Counters for /metrics. */
export interface JobsCounters {
  runsLaunched: number;
  runsSucceeded: number;
  runsFailed: number;
  runsKilled: number;
  occurrencesSkipped: number;
}

export class JobsState extends JobsCore {
  readonly store: JobStore;
  readonly counters: JobsCounters = {
    runsLaunched: 0,
    runsSucceeded: 0,
    runsFailed: 0,
    runsKilled: 0,
    occurrencesSkipped: 0,
  };
  readonly #listeners: ((e: JobsEvent) => void)[] = [];

  constructor(options: JobsStateOptions) {
    super(options, { jobs: options.store.jobs(), runs: options.store.runs() });
    this.store = options.store;
  }

  onEvent(listener: (e: JobsEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** Handles one input; its writes are applied (one batch) and events told before this returns. */
  override handle(input: JobsInput, nowMs: number): JobsOutput[] {
    const out = super.handle(input, nowMs);
    const writes: JobsWrite[] = [];
    for (const o of out) if (o.kind === "store_write") writes.push(o.write);
    this.store.apply(writes);
    for (const o of out) {
      if (o.kind === "launch") this.counters.runsLaunched += o.tasks.length;
      if (o.kind !== "event") continue;
      const e = o.event;
      if (e.type === "run_skipped") this.counters.occurrencesSkipped += e.count;
      if (e.type === "run_finished") {
        if (e.run.state === "success") this.counters.runsSucceeded++;
        else if (e.run.state === "failure") this.counters.runsFailed++;
        else this.counters.runsKilled++;
      }
      for (const l of this.#listeners) l(e);
    }
    return out;
  }

  // ---- commands: the reply, and the calls to carry out -----------------------------------------

  putJob(
    job: JobDefinition,
    endpoint: PutEndpoint,
    nowMs: number,
  ): { result: Result<{ created: boolean }>; calls: JobsEffect[] } {
    const out = this.handle({ kind: "put_job", job, endpoint }, nowMs);
    return { result: replyTo(out, "put_job").result, calls: schedulerCalls(out) };
  }
  deleteJob(name: string, nowMs: number): { result: Result<void>; calls: JobsEffect[] } {
    const out = this.handle({ kind: "delete_job", name }, nowMs);
    return { result: replyTo(out, "delete_job").result, calls: schedulerCalls(out) };
  }
  runNow(
    name: string,
    args: readonly string[],
    nowMs: number,
  ): { result: Result<RunRecord>; calls: JobsEffect[] } {
    const out = this.handle({ kind: "run_now", name, arguments: args }, nowMs);
    return { result: replyTo(out, "run_now").result, calls: schedulerCalls(out) };
  }
  markSuccess(name: string, nowMs: number): { result: Result<void>; calls: JobsEffect[] } {
    const out = this.handle({ kind: "mark_success", name }, nowMs);
    return { result: replyTo(out, "mark_success").result, calls: schedulerCalls(out) };
  }
  killJob(
    name: string,
    nowMs: number,
  ): { result: Result<{ killed: number }>; calls: JobsEffect[] } {
    const out = this.handle({ kind: "kill_job", name }, nowMs);
    return { result: replyTo(out, "kill_job").result, calls: schedulerCalls(out) };
  }

  // ---- Mesos inputs and the timer ----------------------------------------------------------------

  handleOffers(offers: readonly Offer[], nowMs: number): JobsEffect[] {
    return schedulerCalls(this.handle({ kind: "offers", offers }, nowMs));
  }
  handleStatus(update: TaskStatusInput, nowMs: number): JobsEffect[] {
    return schedulerCalls(this.handle({ kind: "task_status", update }, nowMs));
  }
  tick(nowMs: number): JobsEffect[] {
    return schedulerCalls(this.handle({ kind: "tick" }, nowMs));
  }

  frameworkId(): string | undefined {
    return this.store.frameworkId();
  }
  setFrameworkId(id: string): void {
    this.store.setFrameworkId(id);
  }
}
