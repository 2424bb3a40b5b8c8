// The ZooKeeper calls Tessera makes, as promises over `node-zookeeper-client`, with one error
// type. The election and the leader detector (through ZkSession, which adds a liveness lease),
// the zk registry backend and the services framework's store all go through these.
//
// Client library: `node-zookeeper-client` (pure JavaScript, no native build, no binaries to
// download; maintained, works on Node 20). It has everything Mesos's uses of ZooKeeper need:
// ephemeral sequential nodes, child and data watches, versioned writes and multi transactions,
// digest auth, and session state events.
import zookeeper, { type ACL, type Client, type Event, type Stat } from "node-zookeeper-client";
import { assert } from "../base/assert.ts";
import { absorbUnknownZkReplyCodes } from "./unknown-replies.ts";
import { connectString, type ZkUrl } from "./url.ts";

/** A ZooKeeper error as a value: the library's code name ("NO_NODE", "BAD_VERSION", ...). */
export class ZkError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ZkError";
    this.code = code;
  }
}

function toZkError(error: unknown, what: string): ZkError {
  if (error instanceof zookeeper.Exception) {
    return new ZkError(error.getName(), `${what}: ${error.toString()}`);
  }
  return new ZkError("UNKNOWN", `${what}: ${error instanceof Error ? error.message : error}`);
}

export type Watcher = (event: Event) => void;

/** Mesos's ACLs: with credentials EVERYONE_READ_CREATOR_ALL, else OPEN_ACL_UNSAFE. */
export function zkAcls(digest: string | undefined): ACL[] {
  const { ACL: AclClass, Id, Permission } = zookeeper;
  if (digest === undefined) return [new AclClass(Permission.ALL, new Id("world", "anyone"))];
  return [
    new AclClass(Permission.READ, new Id("world", "anyone")),
    new AclClass(Permission.ALL, new Id("auth", "")),
  ];
}

export interface ZkClientOptions {
  /** "host1:port1,host2:port2". */
  connectString: string;
  /** "user:password" for ZooKeeper digest auth. */
  digest?: string;
  sessionTimeoutMs: number;
}

/** A client, not yet connected, authenticated with `digest` when given. */
export function createZkClient(options: ZkClientOptions): Client {
  absorbUnknownZkReplyCodes();
  const client = zookeeper.createClient(options.connectString, {
    sessionTimeout: options.sessionTimeoutMs,
    spinDelay: 100,
    retries: 0,
  });
  if (options.digest !== undefined) client.addAuthInfo("digest", Buffer.from(options.digest));
  return client;
}

export interface ZkConnectOptions extends ZkClientOptions {
  /** Bound on the first connection; like Mesos's `--registry_fetch_timeout`. */
  connectTimeoutMs: number;
}

/** A connected client; rejects with CONNECTION_LOSS if no server answers in time. */
export async function connect(options: ZkConnectOptions): Promise<Client> {
  const client = createZkClient(options);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(
        new ZkError(
          "CONNECTION_LOSS",
          `no ZooKeeper server at ${options.connectString} answered within ${options.connectTimeoutMs} ms`,
        ),
      );
    }, options.connectTimeoutMs);
    client.once("connected", () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect();
  });
  return client;
}

/** One callback-style call of the library as a promise; its failure a ZkError naming `what`. */
function call<T>(what: string, invoke: (done: (error: unknown, value: T) => void) => void) {
  return new Promise<T>((resolve, reject) =>
    invoke((error, value) => (error ? reject(toZkError(error, what)) : resolve(value))),
  );
}

export async function exists(
  client: Client,
  path: string,
  watcher?: Watcher,
): Promise<Stat | undefined> {
  const stat = await call<Stat>(`exists ${path}`, (done) =>
    watcher === undefined ? client.exists(path, done) : client.exists(path, watcher, done),
  );
  return stat ?? undefined;
}

export function getChildren(client: Client, path: string, watcher?: Watcher): Promise<string[]> {
  return call(`getChildren ${path}`, (done) =>
    watcher === undefined
      ? client.getChildren(path, done)
      : client.getChildren(path, watcher, done),
  );
}

/** A node's data (empty when it holds none) and its stat. */
export function getData(
  client: Client,
  path: string,
  watcher?: Watcher,
): Promise<{ data: Buffer; stat: Stat }> {
  return new Promise((resolve, reject) => {
    const done = (error: unknown, data: Buffer, stat: Stat) =>
      error
        ? reject(toZkError(error, `getData ${path}`))
        : resolve({ data: data ?? Buffer.alloc(0), stat });
    if (watcher === undefined) client.getData(path, done);
    else client.getData(path, watcher, done);
  });
}

/** Creates `path`'s missing ancestors and itself as persistent nodes with `acls`. */
export function mkdirp(client: Client, path: string, acls: ACL[]): Promise<void> {
  return call<unknown>(`mkdirp ${path}`, (done) =>
    client.mkdirp(path, acls, zookeeper.CreateMode.PERSISTENT, done),
  ).then(() => undefined);
}

/** Creates a node; resolves with the path the server gave it (sequential nodes differ). */
export function create(
  client: Client,
  path: string,
  data: Buffer,
  acls: ACL[],
  mode: number,
): Promise<string> {
  return call(`create ${path}`, (done) => client.create(path, data, acls, mode, done));
}

export function remove(client: Client, path: string, version = -1): Promise<void> {
  return call<unknown>(`remove ${path}`, (done) =>
    client.remove(path, version, (error) => done(error, undefined)),
  ).then(() => undefined);
}

export type MultiOp =
  | { op: "create"; path: string; data: Buffer }
  | { op: "setData"; path: string; data: Buffer; version: number }
  | { op: "remove"; path: string };

/** Runs `ops` as one ZooKeeper multi transaction: all or nothing. */
export function multi(client: Client, ops: readonly MultiOp[], acls: ACL[]): Promise<void> {
  const transaction = client.transaction();
  for (const op of ops) {
    switch (op.op) {
      case "create":
        transaction.create(op.path, op.data, acls, zookeeper.CreateMode.PERSISTENT);
        break;
      case "setData":
        // The library turns an expected version of 0 into -1 ("any"): refuse it loudly.
        assert(op.version !== 0, `multi setData ${op.path} expecting version 0`);
        transaction.setData(op.path, op.data, op.version);
        break;
      case "remove":
        transaction.remove(op.path, -1);
        break;
    }
  }
  return call<unknown>(`multi of ${ops.length} ops`, (done) => transaction.commit(done)).then(
    () => undefined,
  );
}

/** How long a framework's store waits to connect, and its session timeout. */
const STORE_TIMEOUT_MS = 10_000;

/**
 * A framework store's connection (the services and jobs frameworks keep their state in
 * ZooKeeper): the ensemble named by `url`, with the ACLs its digest asks for.
 */
export async function connectStore(url: ZkUrl): Promise<{ client: Client; acls: ACL[] }> {
  const acls = zkAcls(url.digest);
  const client = await connect({
    connectString: connectString(url),
    ...(url.digest === undefined ? {} : { digest: url.digest }),
    sessionTimeoutMs: STORE_TIMEOUT_MS,
    connectTimeoutMs: STORE_TIMEOUT_MS,
  });
  return { client, acls };
}
