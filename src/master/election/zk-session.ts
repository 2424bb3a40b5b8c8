// One ZooKeeper session for election or detection, with a liveness lease.
//
// Client library: `node-zookeeper-client` (pure JavaScript, no native build, no binaries to
// download; maintained, works on Node 20). It has everything Mesos's group needs: ephemeral
// sequential nodes, child and data watches, versioned writes and multi transactions, digest
// auth, and session state events. Its one gap is the one Mesos's own C client has too: it
// reports session expiry only once it reconnects, and it never notices a silent server. So, as
// Mesos's group does ("a disconnection longer than the session timeout is an expiry"), the
// session keeps its own lease: it probes the server every third of the session timeout, and if
// no probe *sent* in the last LEASE_FRACTION of the negotiated timeout has been answered, it
// fails with "connection_lost". The server cannot expire the session earlier than one full
// timeout after the last request it received, so a leader that honours the lease stops before
// any standby can be elected (no two leaders acting).
import zookeeper, { type ACL, type Client, type Event, type Stat } from "node-zookeeper-client";
import type { LostReason } from "./election.ts";
import { connectString, type ZkUrl } from "./zk-url.ts";

/** Mesos's `--zk_session_timeout` default (reference §5.9). */
export const DEFAULT_ZK_SESSION_TIMEOUT_MS = 10_000;

/** The share of the session timeout a leader may go without hearing from the server. */
export const LEASE_FRACTION = 2 / 3;

/** How long `close` waits for ZooKeeper to acknowledge the close before dropping the socket. */
export const CLOSE_GRACE_MS = 1_000;

export type SessionFailure = Extract<LostReason, "session_expired" | "connection_lost">;

export interface ZkSessionOptions {
  url: ZkUrl;
  sessionTimeoutMs?: number;
  /** Called once, from a timer or a client event, when the session can no longer be trusted. */
  onFailure(reason: SessionFailure, message: string): void;
}

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

/** Mesos's ACLs: with credentials EVERYONE_READ_CREATOR_ALL, else OPEN_ACL_UNSAFE. */
export function masterAcls(url: ZkUrl): ACL[] {
  const { ACL: AclClass, Id, Permission } = zookeeper;
  const anyone = new AclClass(Permission.ALL, new Id("world", "anyone"));
  if (url.digest === undefined) return [anyone];
  return [
    new AclClass(Permission.READ, new Id("world", "anyone")),
    new AclClass(Permission.ALL, new Id("auth", "")),
  ];
}

export type Watcher = (event: Event) => void;

export class ZkSession {
  readonly client: Client;
  readonly acls: ACL[];
  readonly #options: ZkSessionOptions;
  #connected: Promise<void>;
  #failed = false;
  #closed = false;
  #lastAckedSendMs = Number.NEGATIVE_INFINITY;
  #probeTimer: NodeJS.Timeout | undefined;
  #leaseTimer: NodeJS.Timeout | undefined;

  constructor(options: ZkSessionOptions) {
    this.#options = options;
    this.acls = masterAcls(options.url);
    this.client = zookeeper.createClient(connectString(options.url), {
      sessionTimeout: options.sessionTimeoutMs ?? DEFAULT_ZK_SESSION_TIMEOUT_MS,
      spinDelay: 100,
      retries: 0,
    });
    if (options.url.digest !== undefined) {
      this.client.addAuthInfo("digest", Buffer.from(options.url.digest));
    }
    this.client.on("expired", () => this.#fail("session_expired", "ZooKeeper session expired"));
    this.#connected = new Promise((resolve) => this.client.once("connected", () => resolve()));
    this.client.connect();
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** The timeout the server granted (the library updates it from the connect response). */
  get sessionTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  /**
   * Resolves once connected and one probe has been answered, so the lease has a start; never
   * rejects (the library retries the servers until `close`).
   */
  async ready(): Promise<void> {
    await this.#connected;
    await this.#probe();
    if (!this.#failed && !this.#closed) this.#probeTimer ??= this.#startProbing();
  }

  /** Releases the session: its ephemeral nodes go away now if the server hears the close. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimers();
    this.client.close();
    // If the server is unreachable the close request never leaves the socket; drop it so the
    // process does not hold a dead connection (the server then expires the session itself).
    setTimeout(() => dropSocket(this.client), CLOSE_GRACE_MS).unref();
  }

  #startProbing(): NodeJS.Timeout {
    const intervalMs = Math.max(1, Math.floor(this.sessionTimeoutMs / 3));
    return setInterval(() => void this.#probe(), intervalMs);
  }

  async #probe(): Promise<void> {
    const sentMs = performance.now();
    try {
      await this.exists("/");
    } catch {
      return; // the lease timer decides; a failed probe simply does not extend it
    }
    if (sentMs > this.#lastAckedSendMs) {
      this.#lastAckedSendMs = sentMs;
      this.#armLease();
    }
  }

  #armLease(): void {
    if (this.#failed || this.#closed) return;
    clearTimeout(this.#leaseTimer);
    const leaseMs = this.sessionTimeoutMs * LEASE_FRACTION;
    const dueMs = this.#lastAckedSendMs + leaseMs - performance.now();
    this.#leaseTimer = setTimeout(
      () =>
        this.#fail(
          "connection_lost",
          `no answer from ZooKeeper for ${Math.round(leaseMs)} ms (session timeout ${this.sessionTimeoutMs} ms)`,
        ),
      Math.max(0, dueMs),
    );
  }

  #fail(reason: SessionFailure, message: string): void {
    if (this.#failed || this.#closed) return;
    this.#failed = true;
    this.#stopTimers();
    this.#options.onFailure(reason, message);
  }

  #stopTimers(): void {
    clearInterval(this.#probeTimer);
    clearTimeout(this.#leaseTimer);
    this.#probeTimer = undefined;
    this.#leaseTimer = undefined;
  }

  // Promise forms of the client calls this folder uses; errors are `ZkError`s.

  exists(path: string, watcher?: Watcher): Promise<Stat | undefined> {
    return new Promise((resolve, reject) => {
      const done = (error: unknown, stat: Stat) =>
        error ? reject(toZkError(error, `exists ${path}`)) : resolve(stat ?? undefined);
      if (watcher === undefined) this.client.exists(path, done);
      else this.client.exists(path, watcher, done);
    });
  }

  getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const done = (error: unknown, children: string[]) =>
        error ? reject(toZkError(error, `getChildren ${path}`)) : resolve(children);
      if (watcher === undefined) this.client.getChildren(path, done);
      else this.client.getChildren(path, watcher, done);
    });
  }

  getData(path: string, watcher?: Watcher): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
      const done = (error: unknown, data: Buffer) =>
        error ? reject(toZkError(error, `getData ${path}`)) : resolve(data ?? undefined);
      if (watcher === undefined) this.client.getData(path, done);
      else this.client.getData(path, watcher, done);
    });
  }

  /** Creates `path`'s missing ancestors and itself as persistent nodes with our ACLs. */
  mkdirp(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.mkdirp(path, this.acls, zookeeper.CreateMode.PERSISTENT, (error) =>
        error ? reject(toZkError(error, `mkdirp ${path}`)) : resolve(),
      );
    });
  }

  /** Creates a node; resolves with the path the server gave it (sequential nodes differ). */
  create(path: string, data: Buffer, mode: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.client.create(path, data, this.acls, mode, (error, created) =>
        error ? reject(toZkError(error, `create ${path}`)) : resolve(created),
      );
    });
  }

  remove(path: string, version = -1): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.remove(path, version, (error) =>
        error ? reject(toZkError(error, `remove ${path}`)) : resolve(),
      );
    });
  }
}

/** Destroys the library's socket (not in its typings): the last resort of `close`. */
function dropSocket(client: Client): void {
  const manager = (client as unknown as { connectionManager?: { socket?: unknown } })
    .connectionManager;
  const socket = manager?.socket as { destroy?: () => void } | undefined;
  socket?.destroy?.();
}
