// The jobs store in ZooKeeper, for HA (`--zk`): one znode per job under `<path>/jobs/jobs`,
// one per run under `<path>/jobs/runs`, and `<path>/jobs/framework_id` (Chronos keeps one
// `J_<name>` entry per job under its `--zk_path` the same way, reference §2.8; unlike Chronos,
// runs — the ledger that makes failover exact — are stored too).
//
// The JobStore interface is synchronous (the shell applies a core input's writes inline),
// ZooKeeper is not: reads come from an in-memory copy loaded at open, each batch updates that
// copy at once and goes to ZooKeeper as one multi transaction, in order. `durable()` resolves
// once every batch so far is acknowledged by the ensemble; the shell awaits it before it sends
// a launch or answers an API change. A failed write poisons the store: `durable()` rejects.
import type { ACL, Client } from "node-zookeeper-client";
import { connectStore, getChildren, getData, type MultiOp, mkdirp, multi } from "../../zk/calls.ts";
import type { ZkUrl } from "../../zk/url.ts";
import { MemoryJobStore } from "./job-store.ts";
import type { JobRecord, JobsWrite } from "./jobs-types.ts";
import type { RunRecord } from "./run-record.ts";

/** Ops per multi: ZooKeeper refuses requests over its 1 MB jute buffer; runs are ~1 KB. */
export const ZK_MAX_OPS_PER_MULTI = 200;

/** The root of the jobs framework's znodes under a `--zk` URL's path. */
export function jobsZkRoot(url: ZkUrl): string {
  return `${url.path === "/" ? "" : url.path}/jobs`;
}

export class ZkJobStore extends MemoryJobStore {
  #queue: Promise<void> = Promise.resolve();
  #failure: Error | undefined;
  /** Znodes that exist (or will, once the queue drains): create vs setData. */
  readonly #present = new Set<string>();

  private constructor(
    private readonly client: Client,
    private readonly root: string,
    private readonly acls: ACL[],
  ) {
    super();
  }

  /** Connects, creates the folders if needed and loads what earlier leaders stored. */
  static async open(url: ZkUrl): Promise<ZkJobStore> {
    const { client, acls } = await connectStore(url);
    const root = jobsZkRoot(url);
    try {
      await mkdirp(client, `${root}/jobs`, acls);
      await mkdirp(client, `${root}/runs`, acls);
      const store = new ZkJobStore(client, root, acls);
      await store.#load();
      return store;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  async #load(): Promise<void> {
    const { client, root } = this;
    try {
      super.setFrameworkId((await getData(client, `${root}/framework_id`)).data.toString("utf8"));
      this.#present.add(`${root}/framework_id`);
    } catch {
      // No framework id yet: the first subscription gets one.
    }
    for (const child of await getChildren(client, `${root}/jobs`)) {
      const path = `${root}/jobs/${child}`;
      const job = JSON.parse((await getData(client, path)).data.toString("utf8")) as JobRecord;
      this.jobMap.set(job.definition.name, job);
      this.#present.add(path);
    }
    for (const child of await getChildren(client, `${root}/runs`)) {
      const path = `${root}/runs/${child}`;
      const run = JSON.parse((await getData(client, path)).data.toString("utf8")) as RunRecord;
      this.runMap.set(run.runId, run);
      this.#present.add(path);
    }
  }

  #jobPath(name: string): string {
    return `${this.root}/jobs/${encodeURIComponent(name)}`;
  }
  #runPath(runId: string): string {
    return `${this.root}/runs/${encodeURIComponent(runId)}`;
  }

  override apply(writes: readonly JobsWrite[]): void {
    super.apply(writes);
    // The last write of each znode wins within a batch; null = remove.
    const last = new Map<string, Buffer | null>();
    for (const w of writes) {
      if (w.kind === "put_job")
        last.set(this.#jobPath(w.job.definition.name), Buffer.from(JSON.stringify(w.job)));
      else if (w.kind === "delete_job") last.set(this.#jobPath(w.name), null);
      else if (w.kind === "put_run")
        last.set(this.#runPath(w.run.runId), Buffer.from(JSON.stringify(w.run)));
      else last.set(this.#runPath(w.runId), null);
    }
    const ops: MultiOp[] = [];
    for (const [path, data] of last) {
      const present = this.#present.has(path);
      if (data === null) {
        if (present) ops.push({ op: "remove", path });
        this.#present.delete(path);
      } else {
        ops.push(
          present ? { op: "setData", path, data, version: -1 } : { op: "create", path, data },
        );
        this.#present.add(path);
      }
    }
    for (let i = 0; i < ops.length; i += ZK_MAX_OPS_PER_MULTI)
      this.#enqueue(ops.slice(i, i + ZK_MAX_OPS_PER_MULTI));
  }

  #enqueue(ops: MultiOp[]): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#failure !== undefined) return;
      try {
        await multi(this.client, ops, this.acls);
      } catch (error) {
        this.#failure = new Error(`ZooKeeper write failed (${ops.length} ops): ${String(error)}`);
        this.#failed(this.#failure);
      }
    });
  }

  override setFrameworkId(id: string): void {
    super.setFrameworkId(id);
    const path = `${this.root}/framework_id`;
    const data = Buffer.from(id);
    const present = this.#present.has(path);
    this.#present.add(path);
    this.#enqueue([
      present ? { op: "setData", path, data, version: -1 } : { op: "create", path, data },
    ]);
  }

  // (Declared before `failed`, whose initializer sets it: fields initialize in order.)
  #failed: (error: Error) => void = () => undefined;
  /** Resolves once a write failed (the store is poisoned: its leader must load it afresh). */
  readonly failed: Promise<Error> = new Promise((resolve) => {
    this.#failed = resolve;
  });

  override durable(): Promise<void> {
    return this.#queue.then(() => {
      if (this.#failure !== undefined) throw this.#failure;
    });
  }

  /** Waits for queued writes (best effort), then closes the session. */
  override close(): void {
    void this.#queue.finally(() => this.client.close());
  }
}
