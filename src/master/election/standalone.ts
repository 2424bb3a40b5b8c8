// Standalone election (Mesos's default without `--zk`): the only master always leads, and a
// detector is told the leader directly (Mesos's StandaloneMasterDetector::appoint).
import type { MasterInfo } from "../../wire/framework.ts";
import {
  type DetectorListener,
  DetectorListeners,
  type LeaderDetector,
  sameLeader,
} from "../../zk/leader-detector.ts";
import type { ContenderListener, LeaderContender } from "./election.ts";

export const STANDALONE_CANDIDACY = "standalone";

export class StandaloneContender implements LeaderContender {
  #listener: ContenderListener | undefined;
  #leading = false;

  get leading(): boolean {
    return this.#leading;
  }

  contend(listener: ContenderListener): void {
    if (this.#listener !== undefined) throw new Error("contend called twice");
    this.#listener = listener;
    this.#leading = true;
    listener({ type: "elected", candidacy: STANDALONE_CANDIDACY });
  }

  async withdraw(): Promise<void> {
    if (!this.#leading) return;
    this.#leading = false;
    this.#listener?.({ type: "lost", reason: "withdrawn", message: "candidacy withdrawn" });
  }
}

export class StandaloneDetector implements LeaderDetector {
  readonly #listeners = new DetectorListeners();
  #leader: MasterInfo | undefined;

  constructor(leader?: MasterInfo) {
    this.#leader = leader;
  }

  /** Names the leader (undefined = none); listeners hear of a change. */
  appoint(leader: MasterInfo | undefined): void {
    if (sameLeader(this.#leader, leader)) return;
    this.#leader = leader;
    this.#listeners.notify(leader);
  }

  current(): MasterInfo | undefined {
    return this.#leader;
  }

  detect(previous?: MasterInfo): Promise<MasterInfo | undefined> {
    if (!sameLeader(this.#leader, previous)) return Promise.resolve(this.#leader);
    return this.#listeners.next(previous);
  }

  onChange(listener: DetectorListener): () => void {
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
