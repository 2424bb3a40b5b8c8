// Aurora's Announcer: a running instance as a ZooKeeper ServerSet member, the JSON Finagle's
// ServerSet reader parses, in an EPHEMERAL_SEQUENTIAL `member_` znode under `announce.zk_path`
// (its session's end removes it too, so a dead executor leaves no member behind).
import zookeeper from "node-zookeeper-client";
import { ZkSession } from "../../../zk/session.ts";
import { parseZkUrl } from "../../../zk/url.ts";
import type { Announce, ThermosTask } from "./task-config.ts";

export interface Endpoint {
  host: string;
  port: number;
}

export interface ServerSetMember {
  serviceEndpoint: Endpoint;
  additionalEndpoints: Record<string, Endpoint>;
  status: "ALIVE";
  shard: number;
}

/** A name that is a port, or an alias of one through `portmap`. */
function portOf(task: ThermosTask, announce: Announce, name: string): number | undefined {
  return task.ports[name] ?? task.ports[announce.portmap[name] ?? ""];
}

export type MemberResult = { ok: true; member: ServerSetMember } | { ok: false; message: string };

/** The member for `task` on `host`: primary_port names the service endpoint. */
export function serverSetMember(task: ThermosTask, announce: Announce, host: string): MemberResult {
  const primary = portOf(task, announce, announce.primary_port);
  if (primary === undefined) {
    return {
      ok: false,
      message: `announce.primary_port '${announce.primary_port}' is not one of the task's ports`,
    };
  }
  const additionalEndpoints: Record<string, Endpoint> = {};
  for (const [name, port] of Object.entries(task.ports)) additionalEndpoints[name] = { host, port };
  for (const alias of Object.keys(announce.portmap)) {
    const port = portOf(task, announce, alias);
    if (port !== undefined) additionalEndpoints[alias] = { host, port };
  }
  return {
    ok: true,
    member: {
      serviceEndpoint: { host, port: primary },
      additionalEndpoints,
      status: "ALIVE",
      shard: task.instance,
    },
  };
}

/** Bound on connecting and creating the member, so a lost ZooKeeper cannot hang the task. */
export const ANNOUNCE_TIMEOUT_MS = 15_000;

/** One member znode for the life of one session. */
export class Announcer {
  readonly #session: ZkSession;
  #path: string | undefined;

  private constructor(session: ZkSession) {
    this.#session = session;
  }

  /** Connects and creates the member; the znode's path, or why not. */
  static async announce(
    announce: Announce,
    member: ServerSetMember,
    onLost: (message: string) => void,
  ): Promise<{ ok: true; announcer: Announcer } | { ok: false; message: string }> {
    const url = parseZkUrl(`zk://${announce.zk_servers}${announce.zk_path}`);
    if (!url.ok) return { ok: false, message: `announce: ${url.error.message}` };
    const session = new ZkSession({
      url: url.url,
      onFailure: (_reason, message) => onLost(message),
    });
    const announcer = new Announcer(session);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`no ZooKeeper at ${announce.zk_servers} within ${ANNOUNCE_TIMEOUT_MS} ms`),
          ),
        ANNOUNCE_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([session.ready(), timeout]);
      await Promise.race([session.mkdirp(url.url.path), timeout]);
      announcer.#path = await Promise.race([
        session.create(
          `${url.url.path}/member_`,
          Buffer.from(JSON.stringify(member)),
          zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
        ),
        timeout,
      ]);
      return { ok: true, announcer };
    } catch (error) {
      session.close();
      return {
        ok: false,
        message: `announce: ${error instanceof Error ? error.message : String(error)}`,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  get path(): string | undefined {
    return this.#path;
  }

  /** Deletes the member and closes the session (which would remove it as well). */
  async withdraw(): Promise<void> {
    const path = this.#path;
    this.#path = undefined;
    if (path !== undefined) {
      try {
        await Promise.race([
          this.#session.remove(path),
          new Promise((r) => setTimeout(r, 2_000).unref()),
        ]);
      } catch {
        // Gone already (session expired); closing the session is all that is left.
      }
    }
    this.#session.close();
  }
}

/** Wait before announcing again after a failed announcement or a lost session. */
export const REANNOUNCE_DELAY_MS = 2_000;

export type MembershipState = { member?: string; error?: string };

/**
 * The member for as long as the task wants one: announced on `start`, announced again (a new
 * session, a new znode) when the announcement failed or its session was lost, as Aurora's
 * announcer does, and withdrawn on `stop`.
 */
export class Membership {
  readonly #announce: Announce;
  readonly #member: ServerSetMember;
  readonly #onChange: (state: MembershipState) => void;
  #announcer: Announcer | undefined;
  #pending: Promise<void> = Promise.resolve();
  #retry: NodeJS.Timeout | undefined;
  /** Bumped by every (re)announcement and by stop: late results of older ones withdraw. */
  #generation = 0;
  #stopped = false;

  constructor(
    announce: Announce,
    member: ServerSetMember,
    onChange: (state: MembershipState) => void,
  ) {
    this.#announce = announce;
    this.#member = member;
    this.#onChange = onChange;
  }

  start(): void {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    const lost = (message: string) => {
      if (generation !== this.#generation) return;
      const gone = this.#announcer;
      this.#announcer = undefined;
      void gone?.withdraw();
      this.#again(message);
    };
    this.#pending = Announcer.announce(this.#announce, this.#member, lost).then(async (result) => {
      if (!result.ok) {
        if (generation === this.#generation) this.#again(result.message);
      } else if (generation !== this.#generation || this.#stopped) {
        await result.announcer.withdraw();
      } else {
        this.#announcer = result.announcer;
        this.#onChange({ member: result.announcer.path ?? "" });
      }
    });
  }

  #again(message: string): void {
    this.#onChange({ error: message });
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => this.start(), REANNOUNCE_DELAY_MS);
  }

  /** No more announcements; the member (if any) is deleted. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation += 1;
    clearTimeout(this.#retry);
    await this.#pending;
    const announcer = this.#announcer;
    this.#announcer = undefined;
    if (announcer !== undefined) await announcer.withdraw();
    this.#onChange({});
  }
}
