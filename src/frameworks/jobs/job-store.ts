// Where the jobs framework keeps what it cannot learn again: the job records (definition,
// schedule state, dependency state, stats), the run ledger, and the framework id. Standalone it
// is one SQLite file (WAL, synchronous=FULL: a committed batch survives a crash); with `--zk`
// it is ZooKeeper (zk-job-store.ts). Each core input's writes are applied as one batch — one
// SQLite transaction, one ZooKeeper multi — so a crash never leaves half an input behind.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { JobRecord, JobsWrite } from "./jobs-types.ts";
import type { RunRecord } from "./run-record.ts";

export interface JobStore {
  jobs(): JobRecord[];
  runs(): RunRecord[];
  /** Applies one input's writes, in order, all or nothing. */
  apply(writes: readonly JobsWrite[]): void;
  frameworkId(): string | undefined;
  setFrameworkId(id: string): void;
  /** Resolves once every batch applied so far is durable (SQLite: at once). */
  durable(): Promise<void>;
  close(): void;
}

/** The records in memory: the store of tests and of the simulator, and ZooKeeper's cache. */
export class MemoryJobStore implements JobStore {
  protected readonly jobMap = new Map<string, JobRecord>();
  protected readonly runMap = new Map<string, RunRecord>();
  #frameworkId: string | undefined;

  jobs(): JobRecord[] {
    return [...this.jobMap.values()].map(clone);
  }
  runs(): RunRecord[] {
    return [...this.runMap.values()].map(clone);
  }
  apply(writes: readonly JobsWrite[]): void {
    // Copies: the core keeps changing its live records, a store holds them as written.
    for (const w of writes) {
      if (w.kind === "put_job")
        this.jobMap.set(w.job.definition.name, {
          ...w.job,
          parentsDone: [...w.job.parentsDone],
          stats: { ...w.job.stats },
        });
      else if (w.kind === "delete_job") this.jobMap.delete(w.name);
      else if (w.kind === "put_run") this.runMap.set(w.run.runId, { ...w.run });
      else this.runMap.delete(w.runId);
    }
  }
  frameworkId(): string | undefined {
    return this.#frameworkId;
  }
  setFrameworkId(id: string): void {
    this.#frameworkId = id;
  }
  durable(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}

/** A deep copy through JSON: what a store hands out is never the core's live object. */
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export const JOBS_DB_FILE = "jobs.sqlite";

export class SqliteJobStore implements JobStore {
  readonly #db: Database.Database;
  readonly #putJob: Database.Statement;
  readonly #deleteJob: Database.Statement;
  readonly #putRun: Database.Statement;
  readonly #deleteRun: Database.Statement;
  readonly #deleteJobRuns: Database.Statement;

  constructor(directory: string) {
    mkdirSync(directory, { recursive: true });
    this.#db = new Database(join(directory, JOBS_DB_FILE));
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS jobs (name TEXT PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY, job TEXT NOT NULL, json TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS runs_by_job ON runs (job);
    `);
    this.#putJob = this.#db.prepare("INSERT OR REPLACE INTO jobs (name, json) VALUES (?, ?)");
    this.#deleteJob = this.#db.prepare("DELETE FROM jobs WHERE name = ?");
    this.#putRun = this.#db.prepare(
      "INSERT OR REPLACE INTO runs (run_id, job, json) VALUES (?, ?, ?)",
    );
    this.#deleteRun = this.#db.prepare("DELETE FROM runs WHERE run_id = ?");
    this.#deleteJobRuns = this.#db.prepare("DELETE FROM runs WHERE job = ?");
  }

  jobs(): JobRecord[] {
    const rows = this.#db.prepare("SELECT json FROM jobs ORDER BY name").all() as {
      json: string;
    }[];
    return rows.map((r) => JSON.parse(r.json) as JobRecord);
  }
  runs(): RunRecord[] {
    const rows = this.#db.prepare("SELECT json FROM runs").all() as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as RunRecord);
  }
  apply(writes: readonly JobsWrite[]): void {
    if (writes.length === 0) return;
    this.#db.transaction(() => {
      for (const w of writes) {
        if (w.kind === "put_job") this.#putJob.run(w.job.definition.name, JSON.stringify(w.job));
        else if (w.kind === "delete_job") {
          this.#deleteJob.run(w.name);
          this.#deleteJobRuns.run(w.name);
        } else if (w.kind === "put_run")
          this.#putRun.run(w.run.runId, w.run.job, JSON.stringify(w.run));
        else this.#deleteRun.run(w.runId);
      }
    })();
  }
  frameworkId(): string | undefined {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'framework_id'").get() as
      | { value: string }
      | undefined;
    return row?.value;
  }
  setFrameworkId(id: string): void {
    this.#db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('framework_id', ?)").run(id);
  }
  durable(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {
    this.#db.close();
  }
}
