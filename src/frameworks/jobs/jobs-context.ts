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
    // The live record: the shell applies the writes before the next input, so the store sees
    // it as this input left it (a store that keeps objects copies them, see MemoryJobStore).
    this.out.push({ kind: "store_write", write: { kind: "put_run", run } });
  }

  remove(runId: string): void {
    this.out.push({ kind: "store_write", write: { kind: "delete_run", runId } });
  }

  putJob(job: JobRecord): void {
    this.out.push({ kind: "store_write", write: { kind: "put_job", job } });
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
