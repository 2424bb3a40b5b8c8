// The zk registry backend (the issue's `--registry=zk`): the registry kept in ZooKeeper under
// `<zk path>/registry`, so any master that wins the election can recover it. Mesos keeps its
// registry in a replicated log whose replicas find each other under `<zk path>/log_replicas`;
// we use ZooKeeper itself as the replicated, linearizable store.
//
// Layout and sharding: zk-shards.ts. A commit
//   1. writes the touched shards as new chunk znodes (one multi transaction per ~640 KB),
//   2. then, in one multi transaction, sets the header with the expected znode version
//      (compare-and-set: the header's znode version is the registry version) and removes the
//      chunks the header no longer names.
// Small commits do both in one transaction. If another master wrote since this one loaded, step
// 2 fails with BAD_VERSION and nothing becomes visible: the stale writer is fenced.
// The header's znode version is the registry version plus ZNODE_VERSION_OFFSET: the client
// library sends a multi's expected version 0 as -1 ("any version"), so the header is created
// at znode version 1 and version 0 is never compared. Chunks left
// by a fenced or crashed writer are named for a version the header has passed, and `load`
// removes them.
import { randomBytes } from "node:crypto";
import type { ACL, Client } from "node-zookeeper-client";
import * as zk from "../../zk/calls.ts";
import { stateFromRows } from "./registry-rows.ts";
import {
  type AgentRecord,
  type LoadedRegistry,
  type MaintenanceRecord,
  type RegistryBackend,
  type RegistryChange,
  type RegistryKind,
  RegistryStoreError,
} from "./registry-store.ts";
import {
  agentShard,
  batchesBySize,
  chunkName,
  chunkVersion,
  decodeHeader,
  decodeShard,
  encodeHeader,
  encodeShard,
  HEADER_FORMAT,
  isAgentShard,
  type RegistryHeader,
  SHARD_MAINTENANCE,
  SHARD_MASTER,
  SHARD_QUOTAS,
  SHARD_WEIGHTS,
  SINGLE_ROW,
  TRANSACTION_BYTES_MAX,
} from "./zk-shards.ts";

const ZK_KIND: RegistryKind = "zk";

/** Znode version of the header when the registry is at version 0 (see the file comment). */
const ZNODE_VERSION_OFFSET = 1;

/** Mesos's `--zk_session_timeout` default. */
export const DEFAULT_REGISTRY_SESSION_TIMEOUT_MS = 10_000;
/** Mesos's `--registry_fetch_timeout` default, used as the bound on connecting. */
export const DEFAULT_REGISTRY_CONNECT_TIMEOUT_MS = 60_000;

export interface ZkRegistryOptions {
  /** "host1:port1,host2:port2", e.g. `connectString(url)` of a parsed `--zk` URL. */
  connectString: string;
  /** The `--zk` URL's path; the registry lives at `<path>/registry`. */
  path: string;
  /** "user:password" digest credentials from the URL. */
  digest?: string;
  sessionTimeoutMs?: number;
  connectTimeoutMs?: number;
}

type Rows = Map<string, unknown>;

export class ZkRegistryBackend implements RegistryBackend {
  readonly kind = ZK_KIND;
  readonly #client: Client;
  readonly #acls: ACL[];
  readonly #root: string;
  #header: RegistryHeader = { format: HEADER_FORMAT, shards: {} };
  /** Every shard's rows as of the last load or commit: a commit re-encodes only touched ones. */
  #shards = new Map<string, Rows>();
  #closed = false;

  private constructor(client: Client, options: ZkRegistryOptions) {
    this.#client = client;
    this.#acls = zk.zkAcls(options.digest);
    this.#root = `${options.path === "/" ? "" : options.path}/registry`;
  }

  /** Connects to ZooKeeper; rejects with a RegistryStoreError ("io") if no server answers. */
  static async open(options: ZkRegistryOptions): Promise<ZkRegistryBackend> {
    try {
      const client = await zk.connect({
        connectString: options.connectString,
        ...(options.digest === undefined ? {} : { digest: options.digest }),
        sessionTimeoutMs: options.sessionTimeoutMs ?? DEFAULT_REGISTRY_SESSION_TIMEOUT_MS,
        connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_REGISTRY_CONNECT_TIMEOUT_MS,
      });
      return new ZkRegistryBackend(client, options);
    } catch (error) {
      throw ioError("cannot connect to ZooKeeper for the registry", error);
    }
  }

  /** The znode holding the header, e.g. "/mesos/registry". */
  get rootPath(): string {
    return this.#root;
  }

  async load(): Promise<LoadedRegistry> {
    this.#checkOpen();
    let version: number;
    try {
      await this.#ensureRoot();
      const { data, stat } = await zk.getData(this.#client, this.#root);
      version = stat.version - ZNODE_VERSION_OFFSET;
      if (version < 0) throw this.#corrupt(`header znode version ${stat.version} is below 1`);
      const header = decodeHeader(data);
      if (typeof header === "string") throw this.#corrupt(header);
      if (header.format > HEADER_FORMAT) {
        throw new RegistryStoreError(
          "schema_too_new",
          `the registry at ${this.#root} has format ${header.format}; this Tessera reads up to ${HEADER_FORMAT}: upgrade it`,
        );
      }
      this.#header = header;
      this.#shards = await this.#readShards(header);
    } catch (error) {
      if (error instanceof RegistryStoreError) throw error;
      throw ioError(`cannot read the registry at ${this.#root}`, error);
    }
    const state = this.#stateFromShards();
    await this.#removeOrphans(version);
    return { state, version };
  }

  async commit(fromVersion: number, change: RegistryChange): Promise<void> {
    this.#checkOpen();
    const touched = this.#touchedShards(change);
    const toVersion = fromVersion + 1;
    const nonce = randomBytes(4).toString("hex");
    const header: RegistryHeader = { format: HEADER_FORMAT, shards: { ...this.#header.shards } };
    const creates: zk.MultiOp[] = [];
    const removes: zk.MultiOp[] = [];
    for (const [shard, rows] of touched) {
      for (const old of this.#header.shards[shard] ?? []) {
        removes.push({ op: "remove", path: `${this.#root}/${old}` });
      }
      const chunks = encodeShard(rows);
      const names = chunks.map((_, i) => chunkName(toVersion, nonce, shard, i));
      chunks.forEach((data, i) => {
        creates.push({ op: "create", path: `${this.#root}/${names[i]}`, data });
      });
      if (names.length === 0) delete header.shards[shard];
      else header.shards[shard] = names;
    }
    const swap: zk.MultiOp = {
      op: "setData",
      path: this.#root,
      data: encodeHeader(header),
      version: fromVersion + ZNODE_VERSION_OFFSET,
    };
    const batches = batchesBySize(
      creates,
      (op) => (op.op === "create" ? op.data.length : 0),
      TRANSACTION_BYTES_MAX,
    );
    const last = batches.length <= 1 ? (batches.pop() ?? []) : [];
    try {
      // Staged chunks are invisible until the header names them.
      for (const batch of batches) await zk.multi(this.#client, batch, this.#acls);
      await zk.multi(this.#client, [...last, swap, ...removes], this.#acls);
    } catch (error) {
      if (error instanceof zk.ZkError && error.code === "BAD_VERSION") {
        throw new RegistryStoreError(
          "fenced",
          `registry at ${this.#root} is past version ${fromVersion}: another master wrote it`,
        );
      }
      throw ioError(`cannot write registry version ${toVersion} at ${this.#root}`, error);
    }
    this.#header = header;
    for (const [shard, rows] of touched) {
      if (rows.size === 0) this.#shards.delete(shard);
      else this.#shards.set(shard, rows);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new RegistryStoreError("closed", "zk registry is closed");
  }

  #corrupt(problem: string): RegistryStoreError {
    return new RegistryStoreError(
      "corrupt",
      `${problem} (at ${this.#root}); restore it from a backup or delete it to start empty`,
    );
  }

  /**
   * Creates `<path>/registry` with an empty header unless it exists: created and set once in
   * one transaction, so it is never seen at znode version 0.
   */
  async #ensureRoot(): Promise<void> {
    const parent = this.#root.slice(0, this.#root.lastIndexOf("/"));
    if (parent !== "") await zk.mkdirp(this.#client, parent, this.#acls);
    const empty = encodeHeader({ format: HEADER_FORMAT, shards: {} });
    try {
      await zk.multi(
        this.#client,
        [
          { op: "create", path: this.#root, data: empty },
          { op: "setData", path: this.#root, data: empty, version: -1 },
        ],
        this.#acls,
      );
    } catch (error) {
      if (!(error instanceof zk.ZkError && error.code === "NODE_EXISTS")) throw error;
    }
  }

  async #readShards(header: RegistryHeader): Promise<Map<string, Rows>> {
    const entries = Object.entries(header.shards);
    const decoded = await Promise.all(
      entries.map(async ([shard, names]) => {
        const chunks = await Promise.all(
          names.map(async (name) => {
            try {
              return (await zk.getData(this.#client, `${this.#root}/${name}`)).data;
            } catch (error) {
              if (error instanceof zk.ZkError && error.code === "NO_NODE") {
                throw this.#corrupt(`chunk ${name} of shard ${shard} is missing`);
              }
              throw error;
            }
          }),
        );
        const rows = decodeShard(chunks);
        if (typeof rows === "string") throw this.#corrupt(`${rows} (${shard})`);
        return [shard, rows] as const;
      }),
    );
    return new Map(decoded);
  }

  #stateFromShards() {
    const agents: [string, AgentRecord][] = [];
    for (const [shard, rows] of this.#shards) {
      if (!isAgentShard(shard)) continue;
      for (const [id, record] of rows) agents.push([id, record as AgentRecord]);
    }
    const single = (shard: string) => this.#shards.get(shard)?.get(SINGLE_ROW);
    const maintenance = single(SHARD_MAINTENANCE) as MaintenanceRecord | undefined;
    const masterInfo = single(SHARD_MASTER) as RegistryChange["masterInfo"];
    try {
      return stateFromRows({
        agents,
        weights: (this.#shards.get(SHARD_WEIGHTS) ?? new Map()) as Map<string, number>,
        quotas: (this.#shards.get(SHARD_QUOTAS) ?? new Map()) as Map<string, never>,
        ...(maintenance === undefined ? {} : { maintenance }),
        ...(masterInfo === undefined ? {} : { masterInfo }),
      });
    } catch (error) {
      throw this.#corrupt(error instanceof Error ? error.message : String(error));
    }
  }

  /** The new rows of every shard `change` touches (copies; the cache changes only on success). */
  #touchedShards(change: RegistryChange): Map<string, Rows> {
    const touched = new Map<string, Rows>();
    const rowsOf = (shard: string): Rows => {
      let rows = touched.get(shard);
      if (rows === undefined) {
        rows = new Map(this.#shards.get(shard));
        touched.set(shard, rows);
      }
      return rows;
    };
    const put = (shard: string, key: string, value: unknown) => {
      // Copy now: the registrar keeps mutating its objects after the commit.
      if (value === null || value === undefined) rowsOf(shard).delete(key);
      else rowsOf(shard).set(key, structuredClone(value));
    };
    for (const [id, record] of change.agents) put(agentShard(id), id, record);
    for (const [role, weight] of change.weights) put(SHARD_WEIGHTS, role, weight);
    for (const [role, quota] of change.quotas) put(SHARD_QUOTAS, role, quota);
    if (change.maintenance !== undefined) put(SHARD_MAINTENANCE, SINGLE_ROW, change.maintenance);
    if (change.masterInfo !== undefined) put(SHARD_MASTER, SINGLE_ROW, change.masterInfo);
    return touched;
  }

  /** Removes chunks no header can name any more (left by fenced or crashed writers). */
  async #removeOrphans(version: number): Promise<void> {
    const named = new Set(Object.values(this.#header.shards).flat());
    let children: string[];
    try {
      children = await zk.getChildren(this.#client, this.#root);
    } catch {
      return; // best effort: orphans are harmless and the next load tries again
    }
    const orphans = children.filter((name) => {
      const written = chunkVersion(name);
      return written !== undefined && written <= version && !named.has(name);
    });
    await Promise.all(
      orphans.map((name) =>
        zk.remove(this.#client, `${this.#root}/${name}`).catch(() => undefined),
      ),
    );
  }
}

function ioError(what: string, cause: unknown): RegistryStoreError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new RegistryStoreError("io", `${what}: ${reason}`, { cause });
}
