// The context every handler of the jobs core works in: the input's time and the outputs being
// built, in order (the jobs counterpart of services-context.ts). Handlers never write a store,
// call Mesos or notify anyone themselves: they add outputs here. It is also the ledger's sink,
// so every run change becomes a store write in the order it happened.
import type { SchedulerCallOutput } from "../services/services-outputs.ts";
import type { JobRecord, JobsEvent, JobsOutput, JobsReply } from "./jobs-types.ts";
import type { LedgerSink } from "./run-ledger.ts";
import type { RunRecord } from "./run-record.ts";

export class JobsCtx implements LedgerSink {
  readonly out: JobsOutput[] = [];

  constructor(readonly nowMs: number) {}

  put(run: RunRecord): void {
    // A copy: the ledger keeps changing its live record after this input.
    this.out.push({ kind: "store_write", write: { kind: "put_run", run: { ...run } } });
  }

  remove(runId: string): void {
    this.out.push({ kind: "store_write", write: { kind: "delete_run", runId } });
  }

  putJob(job: JobRecord): void {
    const copy = { ...job, parentsDone: [...job.parentsDone], stats: { ...job.stats } };
    this.out.push({ kind: "store_write", write: { kind: "put_job", job: copy } });
  }

  deleteJob(name: string): void {
    this.out.push({ kind: "store_write", write: { kind: "delete_job", name } });
  }

  event(event: JobsEvent): void {
    this.out.push({ kind: "event", event });
  }

  call(call: SchedulerCallOutput): void {
    this.out.push(call);
  }

  reply(reply: JobsReply): void {
    this.out.push({ kind: "reply", reply });
  }
}
