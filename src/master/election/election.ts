// Leader election and leader detection, as the master and its clients see them (reference §5.8,
// §7). Two implementations sit behind these interfaces: standalone (one master, always leader)
// and ZooKeeper (Mesos's `json.info_` layout).
import type { MasterInfo } from "../../wire/framework.ts";

/** Why a contender stopped leading (or stopped being a candidate). */
export type LostReason =
  | "session_expired" // ZooKeeper said the session expired
  | "connection_lost" // no server contact for longer than the leadership lease
  | "candidacy_removed" // our znode disappeared while the session lived (an operator deleted it)
  | "withdrawn"; // `withdraw()` was called

export type ContenderEvent =
  /** The candidacy is registered; another contender leads for now. */
  | { type: "standby"; candidacy: string }
  /** This contender leads: it may act as the master from now on. */
  | { type: "elected"; candidacy: string }
  /**
   * This contender no longer leads and must stop acting as leader before returning from the
   * listener. Emitted only after an `elected`.
   */
  | { type: "lost"; reason: LostReason; message: string };

export type ContenderListener = (event: ContenderEvent) => void;

export interface LeaderContender {
  /** Starts contending; events arrive in order on `listener`. Call once. */
  contend(listener: ContenderListener): void;
  /** True between `elected` and the next `lost`. */
  readonly leading: boolean;
  /** Gives up the candidacy (a leader reports `lost` with reason "withdrawn") and releases it. */
  withdraw(): Promise<void>;
}

export type DetectorListener = (leader: MasterInfo | undefined) => void;

export interface LeaderDetector {
  /** The leader last seen; undefined while none is known. */
  current(): MasterInfo | undefined;
  /**
   * Resolves with the leader once it differs from `previous` (by id and pid; undefined = none),
   * like Mesos's `MasterDetector::detect(previous)`. Resolves at once if it already differs.
   */
  detect(previous?: MasterInfo): Promise<MasterInfo | undefined>;
  /** Called on every change of leader; returns the function that unsubscribes. */
  onChange(listener: DetectorListener): () => void;
  close(): Promise<void>;
}

/** A detector's listeners, and `detect`'s wait on them (both detectors keep theirs in one). */
export class DetectorListeners {
  readonly #listeners = new Set<DetectorListener>();

  /** Returns the function that unsubscribes. */
  add(listener: DetectorListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  notify(leader: MasterInfo | undefined): void {
    for (const listener of [...this.#listeners]) listener(leader);
  }

  clear(): void {
    this.#listeners.clear();
  }

  /** Resolves with the first leader notified that differs from `previous`. */
  next(previous: MasterInfo | undefined): Promise<MasterInfo | undefined> {
    return new Promise((resolve) => {
      const off = this.add((leader) => {
        if (sameLeader(leader, previous)) return;
        off();
        resolve(leader);
      });
    });
  }
}

/** Same leader: Mesos compares MasterInfo; id + pid identify one master's incarnation. */
export function sameLeader(a: MasterInfo | undefined, b: MasterInfo | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.id === b.id && a.pid === b.pid;
}
