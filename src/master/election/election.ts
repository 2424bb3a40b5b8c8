// Leader election, as the masters see it (reference §5.8, §7). Two implementations sit behind
// this interface: standalone (one master, always leader) and ZooKeeper (Mesos's `json.info_`
// layout). Leader detection, which the agent, the SDK and the CLI use too, is in src/zk.

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
