// Leader detection, as the masters, the agents, the SDK and the CLI see it (reference §5.8, §7):
// who leads now, and a wait for the next leader. Two implementations sit behind the interface:
// ZkDetector (detector.ts, Mesos's `json.info_` layout) and the masters' StandaloneDetector.
import type { MasterInfo } from "../wire/framework.ts";

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
