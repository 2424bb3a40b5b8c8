// The run ledger in memory: every run the store holds, indexed by run id, by task id and by
// job (in the order they were recorded), with the queue of runs waiting to launch. The core
// changes runs only through here, and every change becomes a `put_run` / `delete_run` write,
// so the store and this index never differ after an input.
import { assert } from "../../base/assert.ts";
import { isActive, type RunRecord, taskIdOf } from "./run-record.ts";

/** Finished runs kept per job: the history the API shows (issue #16: the last 100). */
export const HISTORY_PER_JOB = 100;

export interface LedgerSink {
  put(run: RunRecord): void;
  remove(runId: string): void;
}

export class RunLedger {
  readonly #byId = new Map<string, RunRecord>();
  readonly #byTask = new Map<string, RunRecord>();
  /** Run ids per job, oldest first. */
  readonly #byJob = new Map<string, string[]>();
  /** Queued runs, high priority first, then in the order they were queued. */
  readonly #high = new Set<string>();
  readonly #normal = new Set<string>();
  /** Active (queued, launching, running) run ids per job. */
  readonly #active = new Map<string, Set<string>>();

  constructor(
    runs: readonly RunRecord[],
    private readonly historyPerJob = HISTORY_PER_JOB,
  ) {
    const sorted = [...runs].sort((a, b) => a.dueMs - b.dueMs || (a.runId < b.runId ? -1 : 1));
    for (const r of sorted) this.#index(r);
  }

  #index(run: RunRecord): void {
    this.#byId.set(run.runId, run);
    if (run.taskId !== undefined) this.#byTask.set(run.taskId, run);
    let list = this.#byJob.get(run.job);
    if (list === undefined) {
      list = [];
      this.#byJob.set(run.job, list);
    }
    list.push(run.runId);
    this.#trackActive(run);
    if (run.state === "queued") (run.highPriority ? this.#high : this.#normal).add(run.runId);
  }

  get(runId: string): RunRecord | undefined {
    return this.#byId.get(runId);
  }
  byTask(taskId: string): RunRecord | undefined {
    return this.#byTask.get(taskId);
  }
  get size(): number {
    return this.#byId.size;
  }
  all(): IterableIterator<RunRecord> {
    return this.#byId.values();
  }

  /** A job's runs, newest first. */
  ofJob(job: string): RunRecord[] {
    const ids = this.#byJob.get(job) ?? [];
    const out: RunRecord[] = [];
    for (let i = ids.length - 1; i >= 0; i--)
      out.push(this.#byId.get(ids[i] as string) as RunRecord);
    return out;
  }

  activeOf(job: string): RunRecord[] {
    const ids = this.#active.get(job);
    if (ids === undefined) return [];
    return [...ids].map((id) => this.#byId.get(id) as RunRecord);
  }

  #trackActive(run: RunRecord): void {
    let set = this.#active.get(run.job);
    if (isActive(run)) {
      if (set === undefined) {
        set = new Set();
        this.#active.set(run.job, set);
      }
      set.add(run.runId);
    } else if (set !== undefined) {
      set.delete(run.runId);
      if (set.size === 0) this.#active.delete(run.job);
    }
  }

  /** Queued runs in launch order. */
  *queued(): Generator<RunRecord> {
    for (const id of this.#high) yield this.#byId.get(id) as RunRecord;
    for (const id of this.#normal) yield this.#byId.get(id) as RunRecord;
  }
  get queuedCount(): number {
    return this.#high.size + this.#normal.size;
  }

  /** Records a new run (written by the caller's sink). */
  add(sink: LedgerSink, run: RunRecord): void {
    assert(!this.#byId.has(run.runId), `run ${run.runId} recorded twice`);
    this.#index(run);
    sink.put(run);
    this.#prune(sink, run.job);
  }

  /** After changing `run` in place: re-indexes it and writes it. */
  update(sink: LedgerSink, run: RunRecord): void {
    assert(this.#byId.get(run.runId) === run, `run ${run.runId} is not the ledger's`);
    const queue = run.highPriority ? this.#high : this.#normal;
    if (run.state === "queued") queue.add(run.runId);
    else queue.delete(run.runId);
    if (run.taskId !== undefined) this.#byTask.set(run.taskId, run);
    this.#trackActive(run);
    sink.put(run);
    if (!isActive(run)) this.#prune(sink, run.job);
  }

  /** Sets the run's attempt and the task id that goes with it. */
  assignTask(run: RunRecord, attempt: number): string {
    if (run.taskId !== undefined) this.#byTask.delete(run.taskId);
    run.attempt = attempt;
    run.taskId = taskIdOf(run.job, run.dueMs, attempt);
    this.#byTask.set(run.taskId, run);
    return run.taskId;
  }

  /** Forgets every run of a job (the job was deleted). */
  dropJob(sink: LedgerSink, job: string): void {
    for (const id of this.#byJob.get(job) ?? []) this.#forget(sink, id);
    this.#byJob.delete(job);
  }

  #forget(sink: LedgerSink, id: string): void {
    const run = this.#byId.get(id);
    if (run === undefined) return;
    this.#byId.delete(id);
    if (run.taskId !== undefined) this.#byTask.delete(run.taskId);
    this.#high.delete(id);
    this.#normal.delete(id);
    this.#active.get(run.job)?.delete(id);
    if (this.#active.get(run.job)?.size === 0) this.#active.delete(run.job);
    sink.remove(id);
  }

  /** Keeps at most `historyPerJob` finished runs of a job; active runs are always kept. */
  #prune(sink: LedgerSink, job: string): void {
    const ids = this.#byJob.get(job);
    if (ids === undefined || ids.length <= this.historyPerJob) return;
    let finished = 0;
    for (const id of ids) if (!isActive(this.#byId.get(id) as RunRecord)) finished++;
    let excess = finished - this.historyPerJob;
    if (excess <= 0) return;
    const kept: string[] = [];
    for (const id of ids) {
      if (excess > 0 && !isActive(this.#byId.get(id) as RunRecord)) {
        this.#forget(sink, id);
        excess--;
      } else kept.push(id);
    }
    this.#byJob.set(job, kept);
  }
}
