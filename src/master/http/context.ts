// What every master HTTP API needs: the dispatcher (the core and its streams), the leadership
// view for the leader guard, and the heartbeat timer (real by default; tests may hand in theirs).
import type { HeartbeatTimer } from "../../http/event-stream.ts";
import type { LeadershipView } from "../../http/leader.ts";
import type { MasterDispatcher } from "../dispatcher.ts";

/** Mesos's DEFAULT_HEARTBEAT_INTERVAL for scheduler and operator streams (not configurable). */
export const HEARTBEAT_INTERVAL_MS = 15_000;

export interface MasterHttpContext {
  readonly dispatcher: MasterDispatcher;
  readonly view: () => LeadershipView;
  readonly heartbeatTimer?: HeartbeatTimer;
}
