// One ZooKeeper session for election or detection, with a liveness lease.
//
// The client library reports session expiry only once it reconnects, and it never notices a
// silent server (Mesos's own C client has the same gap). So, as Mesos's group does ("a
// disconnection longer than the session timeout is an expiry"), the session keeps its own
// lease: it probes the server every third of the session timeout, and if no probe *sent* in the
// last LEASE_FRACTION of the negotiated timeout has been answered, it fails with
// "connection_lost". The server cannot expire the session earlier than one full timeout after
// the last request it received, so a leader that honours the lease stops before any standby can
// be elected (no two leaders acting).
import type { ACL, Client, Stat } from "node-zookeeper-client";
import * as calls from "./calls.ts";
import { connectString, type ZkUrl } from "./url.ts";

/** Mesos's `--zk_session_timeout` default (reference §5.9). */
export const DEFAULT_ZK_SESSION_TIMEOUT_MS = 10_000;

/** The share of the session timeout a leader may go without hearing from the server. */
export const LEASE_FRACTION = 2 / 3;

/** How long `close` waits for ZooKeeper to acknowledge the close before dropping the socket. */
export const CLOSE_GRACE_MS = 1_000;

/** Why a session can no longer be trusted: the server expired it, or the lease ran out. */
export type SessionFailure = "session_expired" | "connection_lost";

export interface ZkSessionOptions {
  url: ZkUrl;
  sessionTimeoutMs?: number;
  /** Called once, from a timer or a client event, when the session can no longer be trusted. */
  onFailure(reason: SessionFailure, message: string): void;
}

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
    this.acls = calls.zkAcls(options.url.digest);
    this.client = calls.createZkClient({
      connectString: connectString(options.url),
      ...(options.url.digest === undefined ? {} : { digest: options.url.digest }),
      sessionTimeoutMs: options.sessionTimeoutMs ?? DEFAULT_ZK_SESSION_TIMEOUT_MS,
    });
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

  // The calls of calls.ts on this session's client and with its ACLs; errors are ZkErrors.

  exists(path: string, watcher?: calls.Watcher): Promise<Stat | undefined> {
    return calls.exists(this.client, path, watcher);
  }

  getChildren(path: string, watcher?: calls.Watcher): Promise<string[]> {
    return calls.getChildren(this.client, path, watcher);
  }

  async getData(path: string, watcher?: calls.Watcher): Promise<Buffer> {
    return (await calls.getData(this.client, path, watcher)).data;
  }

  /** Creates `path`'s missing ancestors and itself as persistent nodes with our ACLs. */
  mkdirp(path: string): Promise<void> {
    return calls.mkdirp(this.client, path, this.acls);
  }

  /** Creates a node; resolves with the path the server gave it (sequential nodes differ). */
  create(path: string, data: Buffer, mode: number): Promise<string> {
    return calls.create(this.client, path, data, this.acls, mode);
  }

  remove(path: string, version = -1): Promise<void> {
    return calls.remove(this.client, path, version);
  }
}

/** Destroys the library's socket (not in its typings): the last resort of `close`. */
function dropSocket(client: Client): void {
  const manager = (client as unknown as { connectionManager?: { socket?: unknown } })
    .connectionManager;
  const socket = manager?.socket as { destroy?: () => void } | undefined;
  socket?.destroy?.();
}
