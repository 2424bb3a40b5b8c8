// The few ZooKeeper calls the zk registry backend makes, as promises, over `node-zookeeper-client`
// (pure JavaScript; chosen for the election too, see src/master/election/zk-session.ts). Errors
// carry the library's code name ("NO_NODE", "BAD_VERSION", ...). The registry needs no liveness
// lease: every write is a versioned compare-and-set, so a stale writer is fenced by the server.
import zookeeper, { type ACL, type Client, type Stat } from "node-zookeeper-client";

export class ZkCallError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ZkCallError";
    this.code = code;
  }
}

function wrap(error: unknown, what: string): ZkCallError {
  if (error instanceof zookeeper.Exception) {
    return new ZkCallError(error.getName(), `${what}: ${error.toString()}`);
  }
  return new ZkCallError("UNKNOWN", `${what}: ${error instanceof Error ? error.message : error}`);
}

export interface ZkConnectOptions {
  /** "host1:port1,host2:port2". */
  connectString: string;
  /** "user:password" for ZooKeeper digest auth. */
  digest?: string;
  sessionTimeoutMs: number;
  /** Bound on the first connection; like Mesos's `--registry_fetch_timeout`. */
  connectTimeoutMs: number;
}

/** Mesos's ACL choice: with credentials world-read + creator-all, else open. */
export function registryAcls(digest: string | undefined): ACL[] {
  const { ACL: AclClass, Id, Permission } = zookeeper;
  if (digest === undefined) return [new AclClass(Permission.ALL, new Id("world", "anyone"))];
  return [
    new AclClass(Permission.READ, new Id("world", "anyone")),
    new AclClass(Permission.ALL, new Id("auth", "")),
  ];
}

export async function connect(options: ZkConnectOptions): Promise<Client> {
  const client = zookeeper.createClient(options.connectString, {
    sessionTimeout: options.sessionTimeoutMs,
    spinDelay: 100,
    retries: 0,
  });
  if (options.digest !== undefined) client.addAuthInfo("digest", Buffer.from(options.digest));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(
        new ZkCallError(
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

export function getData(client: Client, path: string): Promise<{ data: Buffer; stat: Stat }> {
  return new Promise((resolve, reject) =>
    client.getData(path, (error, data, stat) =>
      error
        ? reject(wrap(error, `getData ${path}`))
        : resolve({ data: data ?? Buffer.alloc(0), stat }),
    ),
  );
}

export function getChildren(client: Client, path: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    client.getChildren(path, (error, children) =>
      error ? reject(wrap(error, `getChildren ${path}`)) : resolve(children),
    ),
  );
}

export function mkdirp(client: Client, path: string, acls: ACL[]): Promise<void> {
  return new Promise((resolve, reject) =>
    client.mkdirp(path, acls, zookeeper.CreateMode.PERSISTENT, (error) =>
      error ? reject(wrap(error, `mkdirp ${path}`)) : resolve(),
    ),
  );
}

export function remove(client: Client, path: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.remove(path, -1, (error) => (error ? reject(wrap(error, `remove ${path}`)) : resolve())),
  );
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
        if (op.version === 0) throw new Error(`multi setData ${op.path} expecting version 0`);
        transaction.setData(op.path, op.data, op.version);
        break;
      case "remove":
        transaction.remove(op.path, -1);
        break;
    }
  }
  return new Promise((resolve, reject) =>
    transaction.commit((error) =>
      error ? reject(wrap(error, `multi of ${ops.length} ops`)) : resolve(),
    ),
  );
}
