// Leader detection through ZooKeeper, as Mesos's masters, agents and scheduler libraries do it
// (reference §7): list `<path>`'s children with a watch, take the lowest `json.info_` sequence,
// read its MasterInfo JSON; re-evaluate whenever the children change. Other children are
// ignored. While the session is lost (expired, or no server contact for the lease, see
// src/zk/session.ts) no leader is known, as Mesos's detector reports none on expiry.
//
// With `members: true` (the masters' /master/masters) it also keeps every member's MasterInfo,
// in sequence order: each member's znode is read once (a candidacy's data never changes), so a
// change of the group costs one read per new member, and asking costs nothing.
import type { MasterInfo } from "../wire/framework.ts";
import { ZkError } from "./calls.ts";
import { type Candidacy, childPath, leaderCandidacy, parseCandidacy } from "./layout.ts";
import {
  type DetectorListener,
  DetectorListeners,
  type LeaderDetector,
  sameLeader,
} from "./leader-detector.ts";
import { decodeMasterInfo } from "./master-info.ts";
import { ZkSession } from "./session.ts";
import type { ZkUrl } from "./url.ts";

export interface ZkDetectorOptions {
  url: ZkUrl;
  sessionTimeoutMs?: number;
  /** Also keep every member's MasterInfo (members()); default false. */
  members?: boolean;
}

/** One contender of the group, as its znode says. */
export interface GroupMember {
  readonly candidacy: string;
  readonly info: MasterInfo;
}

interface Round {
  session: ZkSession;
  done: boolean;
  /** Evaluations may overlap when watches fire quickly; only the newest one applies. */
  generation: number;
}

export class ZkDetector implements LeaderDetector {
  readonly #options: ZkDetectorOptions;
  readonly #listeners = new DetectorListeners();
  #round: Round | undefined;
  #leader: MasterInfo | undefined;
  #members: GroupMember[] = [];
  /** Decoded member znodes by name (undefined: unreadable), kept while the member lives. */
  readonly #memberCache = new Map<string, MasterInfo | undefined>();
  /** False until the first read completes: `detect()` waits for a real answer. */
  #known = false;
  #closed = false;
  /** The last leader znode that could not be read as MasterInfo, for diagnostics. */
  lastError: string | undefined;

  constructor(options: ZkDetectorOptions) {
    this.#options = options;
    this.#startRound();
  }

  current(): MasterInfo | undefined {
    return this.#leader;
  }

  /** Every member whose MasterInfo could be read, lowest sequence (the leader) first. */
  members(): readonly GroupMember[] {
    return this.#members;
  }

  detect(previous?: MasterInfo): Promise<MasterInfo | undefined> {
    if (this.#known && !sameLeader(this.#leader, previous)) return Promise.resolve(this.#leader);
    return this.#listeners.next(previous);
  }

  onChange(listener: DetectorListener): () => void {
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const round = this.#round;
    if (round !== undefined) {
      round.done = true;
      round.session.close();
    }
    this.#listeners.clear();
  }

  #set(leader: MasterInfo | undefined): void {
    const changed = !this.#known || !sameLeader(this.#leader, leader);
    this.#known = true;
    this.#leader = leader;
    if (!changed) return;
    this.#listeners.notify(leader);
  }

  #startRound(): void {
    const round: Round = {
      done: false,
      generation: 0,
      session: new ZkSession({
        url: this.#options.url,
        ...(this.#options.sessionTimeoutMs === undefined
          ? {}
          : { sessionTimeoutMs: this.#options.sessionTimeoutMs }),
        onFailure: () => this.#endRound(round),
      }),
    };
    this.#round = round;
    void round.session
      .ready()
      .then(() => this.#evaluate(round))
      .catch(() => this.#endRound(round));
  }

  #endRound(round: Round): void {
    if (round.done) return;
    round.done = true;
    round.session.close();
    if (this.#closed) return;
    this.#members = [];
    this.#set(undefined);
    this.#startRound();
  }

  #reevaluate(round: Round): void {
    this.#evaluate(round).catch(() => this.#endRound(round));
  }

  async #evaluate(round: Round): Promise<void> {
    if (round.done) return;
    const generation = ++round.generation;
    const path = this.#options.url.path;
    const watch = () => this.#reevaluate(round);
    let children: string[];
    try {
      children = await round.session.getChildren(path, watch);
    } catch (error) {
      if (!(error instanceof ZkError && error.code === "NO_NODE")) throw error;
      // No master has contended yet: wait for the path to appear.
      const stat = await round.session.exists(path, watch);
      if (stat !== undefined) return this.#evaluate(round);
      children = [];
    }
    if (round.done || generation !== round.generation) return;
    if (this.#options.members === true) {
      await this.#readMembers(round, generation, children);
      if (round.done || generation !== round.generation) return;
    }
    const candidacy = leaderCandidacy(children);
    if (candidacy === undefined) {
      this.#set(undefined);
      return;
    }
    let data: Buffer | undefined;
    try {
      data = await round.session.getData(childPath(path, candidacy.name));
    } catch (error) {
      // Gone between the listing and the read; the children watch brings the next answer.
      if (error instanceof ZkError && error.code === "NO_NODE") return;
      throw error;
    }
    if (round.done || generation !== round.generation) return;
    const decoded = decodeMasterInfo(data);
    if (decoded.ok) {
      this.lastError = undefined;
      this.#set(decoded.info);
    } else {
      this.lastError = `${candidacy.name}: ${decoded.error.message}`;
      this.#set(undefined);
    }
  }

  /** Reads the members not read before; forgets those gone. */
  async #readMembers(round: Round, generation: number, children: string[]): Promise<void> {
    const path = this.#options.url.path;
    const members = children
      .map(parseCandidacy)
      .filter((c): c is Candidacy => c !== undefined)
      .sort((a, b) => a.sequence - b.sequence);
    const live = new Set(members.map((c) => c.name));
    for (const name of this.#memberCache.keys())
      if (!live.has(name)) this.#memberCache.delete(name);
    for (const { name } of members) {
      if (this.#memberCache.has(name)) continue;
      let data: Buffer;
      try {
        data = await round.session.getData(childPath(path, name));
      } catch (error) {
        if (error instanceof ZkError && error.code === "NO_NODE") continue; // gone meanwhile
        throw error;
      }
      if (round.done || generation !== round.generation) return;
      const decoded = decodeMasterInfo(data);
      this.#memberCache.set(name, decoded.ok ? decoded.info : undefined);
    }
    this.#members = members.flatMap(({ name }) => {
      const info = this.#memberCache.get(name);
      return info === undefined ? [] : [{ candidacy: name, info }];
    });
  }
}
