// A master contending for leadership through ZooKeeper, in Mesos's layout (reference §7): an
// ephemeral sequential `<path>/json.info_NNNNNNNNNN` znode holding this master's MasterInfo
// JSON; the lowest sequence among the json.info_ children leads.
//
// Losing the session: the contender reports `lost` AT ONCE — on the server's expiry notice, or
// when the session's lease runs out (no server contact for 2/3 of the session timeout, see
// src/zk/session.ts), which is before the server can expire the session and elect a standby. The
// listener must stop acting as leader before it returns.
//
// After `lost` the contender re-contends as a standby with a fresh session and a new (higher)
// znode, instead of exiting as Mesos's master does. Why: the election building block should not
// kill its process; the master decides what "stop acting" means. A master that keeps no state
// across leadership (Tessera's soft state is rebuilt from the registry and from agents
// re-registering) can drop its leader state and serve as a standby, and a supervisor-less
// deployment keeps its standby count. A master that prefers Mesos's behaviour calls
// `withdraw()` and exits from its `lost` handler.
import zookeeper from "node-zookeeper-client";
import type { MasterInfo } from "../../wire/framework.ts";
import { ZkError } from "../../zk/calls.ts";
import { baseName, childPath, leaderCandidacy, MASTER_ZNODE_PREFIX } from "../../zk/layout.ts";
import { encodeMasterInfo } from "../../zk/master-info.ts";
import { type SessionFailure, ZkSession } from "../../zk/session.ts";
import type { ZkUrl } from "../../zk/url.ts";
import type { ContenderEvent, ContenderListener, LeaderContender, LostReason } from "./election.ts";

export interface ZkContenderOptions {
  url: ZkUrl;
  masterInfo: MasterInfo;
  sessionTimeoutMs?: number;
  /** Re-contend with a new session after losing one (default true; see the file comment). */
  recontend?: boolean;
}

/** One session's candidacy; replaced wholesale when the session fails. */
interface Round {
  session: ZkSession;
  candidacy?: string;
  done: boolean;
}

export class ZkContender implements LeaderContender {
  readonly #options: ZkContenderOptions;
  #listener: ContenderListener | undefined;
  #round: Round | undefined;
  #leading = false;
  #withdrawn = false;

  constructor(options: ZkContenderOptions) {
    this.#options = options;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** The current candidacy's znode name, once created. */
  get candidacy(): string | undefined {
    return this.#round?.candidacy;
  }

  /** The current ZooKeeper session (tests use its id to expire it). */
  get session(): ZkSession | undefined {
    return this.#round?.session;
  }

  contend(listener: ContenderListener): void {
    if (this.#listener !== undefined) throw new Error("contend called twice");
    this.#listener = listener;
    this.#startRound();
  }

  async withdraw(): Promise<void> {
    if (this.#withdrawn) return;
    this.#withdrawn = true;
    const round = this.#round;
    if (round !== undefined) this.#endRound(round, "withdrawn", "candidacy withdrawn");
  }

  #emit(event: ContenderEvent): void {
    if (event.type === "elected") this.#leading = true;
    if (event.type === "lost") this.#leading = false;
    this.#listener?.(event);
  }

  #startRound(): void {
    const round: Round = {
      done: false,
      session: new ZkSession({
        url: this.#options.url,
        ...(this.#options.sessionTimeoutMs === undefined
          ? {}
          : { sessionTimeoutMs: this.#options.sessionTimeoutMs }),
        onFailure: (reason: SessionFailure, message: string) =>
          this.#endRound(round, reason, message),
      }),
    };
    this.#round = round;
    void this.#register(round).catch((error: unknown) => {
      // A request failing mid-registration means the session is unusable: start over.
      const message = error instanceof Error ? error.message : String(error);
      this.#endRound(round, "connection_lost", message);
    });
  }

  /** Ends a round: reports `lost` if it led, closes its session, and maybe starts the next. */
  #endRound(round: Round, reason: LostReason, message: string): void {
    if (round.done) return;
    round.done = true;
    if (this.#leading) this.#emit({ type: "lost", reason, message });
    round.session.close();
    const recontend = this.#options.recontend ?? true;
    if (!this.#withdrawn && recontend) this.#startRound();
  }

  async #register(round: Round): Promise<void> {
    const { session } = round;
    const path = this.#options.url.path;
    await session.ready();
    if (round.done) return;
    await session.mkdirp(path);
    if (round.done) return;
    const created = await session.create(
      childPath(path, MASTER_ZNODE_PREFIX),
      encodeMasterInfo(this.#options.masterInfo),
      zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
    );
    round.candidacy = baseName(created);
    if (round.done) {
      // Ended while the create was in flight: take the node away now rather than at expiry.
      await session.remove(created).catch(() => undefined);
      return;
    }
    await this.#watch(round);
  }

  /** Reads the members, decides who leads, and re-reads when they change. */
  async #watch(round: Round): Promise<void> {
    const path = this.#options.url.path;
    const candidacy = round.candidacy;
    if (candidacy === undefined) throw new Error("watching before the candidacy exists");
    let wasStandby = false;
    const reevaluate = (): void => {
      evaluate().catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.#endRound(round, "connection_lost", message);
      });
    };
    const evaluate = async (): Promise<void> => {
      if (round.done) return;
      let children: string[];
      try {
        children = await round.session.getChildren(path, reevaluate);
      } catch (error) {
        if (error instanceof ZkError && error.code === "NO_NODE") children = [];
        else throw error;
      }
      if (round.done) return;
      if (!children.includes(candidacy)) {
        this.#endRound(round, "candidacy_removed", `znode ${candidacy} was deleted`);
        return;
      }
      const leader = leaderCandidacy(children);
      if (leader?.name === candidacy) {
        // Re-evaluations while leading (another member joins) change nothing.
        if (!this.#leading) this.#emit({ type: "elected", candidacy });
      } else if (this.#leading) {
        // Mesos's master exits when it sees another leader; we end the round (reports `lost`).
        this.#endRound(round, "candidacy_removed", `${leader?.name ?? "nobody"} leads instead`);
      } else if (!wasStandby) {
        wasStandby = true;
        this.#emit({ type: "standby", candidacy });
      }
    };
    await evaluate();
  }
}
