// The services framework's store in ZooKeeper, for HA clusters (`--zk`): the same records as the
// SQLite store, one znode each, under `<path>/services` (Marathon keeps its state in ZooKeeper
// the same way, reference §1.11), so a services framework started against any master of the
// ensemble resumes the same apps, deployments, instances, last task failures and framework id.
//
// The AppStore interface is synchronous (the services shell calls it inline), ZooKeeper is not:
// reads come from an in-memory copy loaded at open, writes update that copy at once and are
// queued to ZooKeeper in order. `durable()` resolves once every write queued so far has been
// acknowledged by the ensemble (a quorum has it), and the HTTP API awaits it before answering a
// change — so, as with SQLite, nothing is acknowledged before it is durable. A write that fails
// poisons the store: `durable()` rejects from then on and the API answers 503.
import zookeeper, { type ACL, type Client } from "node-zookeeper-client";
import { connectStore, getChildren, getData, mkdirp, remove, ZkError } from "../../zk/calls.ts";
import type { ZkUrl } from "../../zk/url.ts";
import type { AppVersion } from "./app-json.ts";
import {
  MemoryAppStore,
  RECORD_KINDS,
  type RecordKind,
  recordId,
  type StoredRecords,
} from "./app-store.ts";
import type { AppId } from "./path-id.ts";

/** znode names cannot hold `/`: app ids are kept percent-encoded. */
const key = (id: string) => encodeURIComponent(id);

function setOrCreate(client: Client, path: string, data: Buffer, acls: ACL[]): Promise<void> {
  return new Promise((resolve, reject) =>
    client.setData(path, data, -1, (error) => {
      if (!error) return resolve();
      const missing =
        error instanceof zookeeper.Exception && error.getCode() === zookeeper.Exception.NO_NODE;
      if (!missing) return reject(error);
      client.create(path, data, acls, zookeeper.CreateMode.PERSISTENT, (e) =>
        e ? reject(e) : resolve(),
      );
    }),
  );
}

async function removeTree(client: Client, path: string): Promise<void> {
  try {
    for (const child of await getChildren(client, path)) {
      await removeTree(client, `${path}/${child}`);
    }
    await remove(client, path);
  } catch (error) {
    if (!(error instanceof ZkError && error.code === "NO_NODE")) throw error;
  }
}

async function readJsonChildren<T>(client: Client, dir: string): Promise<T[]> {
  const out: T[] = [];
  for (const child of await getChildren(client, dir)) {
    out.push(JSON.parse((await getData(client, `${dir}/${child}`)).data.toString("utf8")) as T);
  }
  return out;
}

export class ZkAppStore extends MemoryAppStore {
  #queue: Promise<void> = Promise.resolve();
  #failure: Error | undefined;

  private constructor(
    private readonly client: Client,
    private readonly root: string,
    private readonly acls: ACL[],
  ) {
    super();
  }

  /** Connects, creates `<path>/services` if needed and loads what an earlier run stored. */
  static async open(url: ZkUrl): Promise<ZkAppStore> {
    const { client, acls } = await connectStore(url);
    const root = `${url.path === "/" ? "" : url.path}/services`;
    try {
      for (const dir of ["apps", "versions", ...RECORD_KINDS]) {
        await mkdirp(client, `${root}/${dir}`, acls);
      }
      const store = new ZkAppStore(client, root, acls);
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
    } catch {
      // No framework id yet: the first subscription gets one.
    }
    // Older versions first, then the current one, so each app's current version wins.
    for (const appKey of await getChildren(client, `${root}/versions`)) {
      for (const v of await readJsonChildren<AppVersion>(client, `${root}/versions/${appKey}`)) {
        super.putApp(v);
      }
    }
    for (const v of await readJsonChildren<AppVersion>(client, `${root}/apps`)) super.putApp(v);
    for (const kind of RECORD_KINDS) {
      for (const r of await readJsonChildren<StoredRecords[RecordKind]>(client, `${root}/${kind}`))
        super.putRecord(kind, r);
    }
  }

  /** Resolves once every change made so far is acknowledged by ZooKeeper. */
  durable(): Promise<void> {
    return this.#queue.then(() => {
      if (this.#failure !== undefined) throw this.#failure;
    });
  }

  #write(what: string, op: () => Promise<void>): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#failure !== undefined) return;
      try {
        await op();
      } catch (error) {
        this.#failure = new Error(`ZooKeeper write failed (${what}): ${String(error)}`);
      }
    });
  }

  #put(path: string, value: unknown): void {
    const data = Buffer.from(JSON.stringify(value));
    this.#write(`set ${path}`, () => setOrCreate(this.client, path, data, this.acls));
  }

  #remove(path: string): void {
    this.#write(`remove ${path}`, () => removeTree(this.client, path));
  }

  override setFrameworkId(id: string): void {
    super.setFrameworkId(id);
    const data = Buffer.from(id);
    const path = `${this.root}/framework_id`;
    this.#write(`set ${path}`, () => setOrCreate(this.client, path, data, this.acls));
  }

  override putApp(v: AppVersion): void {
    const id = v.app.id as AppId;
    const before = new Set(super.versions(id));
    super.putApp(v);
    const kept = new Set(super.versions(id));
    const dir = `${this.root}/versions/${key(id)}`;
    this.#write(`mkdir ${dir}`, () => mkdirp(this.client, dir, this.acls));
    this.#put(`${this.root}/apps/${key(id)}`, v);
    this.#put(`${dir}/${key(v.version)}`, v);
    for (const old of before) if (!kept.has(old)) this.#remove(`${dir}/${key(old)}`);
  }

  override deleteApp(id: AppId): void {
    super.deleteApp(id);
    this.#remove(`${this.root}/apps/${key(id)}`);
    this.#remove(`${this.root}/versions/${key(id)}`);
  }

  protected override putRecord(kind: RecordKind, record: StoredRecords[RecordKind]): void {
    super.putRecord(kind, record);
    this.#put(`${this.root}/${kind}/${key(recordId(kind, record))}`, record);
  }

  protected override deleteRecord(kind: RecordKind, id: string): void {
    super.deleteRecord(kind, id);
    this.#remove(`${this.root}/${kind}/${key(id)}`);
  }

  /** Waits for queued writes (best effort), then closes the session. */
  override close(): void {
    void this.#queue.finally(() => this.client.close());
  }
}
