// What every master HTTP API needs: the dispatcher (the core and its streams), the leadership
// view for the leader guard, and the heartbeat timer (real by default; tests may hand in theirs).
// The dispatcher is seen through the interface below, which src/master/dispatcher.ts implements:
// the HTTP shell sits below the master's wiring and does not import it.
import type { EventStream, HeartbeatTimer } from "../../http/event-stream.ts";
import type { LeadershipView } from "../../http/leader.ts";
import type { MasterCore } from "../core/master.ts";
import type { OperatorCall, SchedulerCallReply } from "../core/types.ts";
import type { AgentCall, SchedulerCall } from "../core/wire-types.ts";
import type { MasterSecurity } from "./security.ts";

/** Mesos's DEFAULT_HEARTBEAT_INTERVAL for scheduler and operator streams (not configurable). */
export const HEARTBEAT_INTERVAL_MS = 15_000;

/** The master's event loop as the HTTP APIs use it: calls in, answers and streams out. */
export interface MasterCalls {
  readonly core: MasterCore;
  nowMs(): number;
  /** A SUBSCRIBE answered with `stream` (already 200); the core writes its first records. */
  openSchedulerStream(stream: EventStream, call: SchedulerCall): void;
  /** Any other scheduler call; resolves with the core's answer. */
  schedulerCall(streamId: string | undefined, call: SchedulerCall): Promise<SchedulerCallReply>;
  operatorCall(call: OperatorCall): Promise<SchedulerCallReply>;
  openAgentStream(stream: EventStream, call: AgentCall, peerIp?: string): void;
  /** The agent registered on this stream, once the core said SUBSCRIBED on it. */
  agentIdForStream(streamId: string): string | undefined;
  agentCall(agentId: string, call: AgentCall): void;
}

export interface MasterHttpContext {
  readonly dispatcher: MasterCalls;
  readonly view: () => LeadershipView;
  readonly heartbeatTimer?: HeartbeatTimer;
  /** Authentication, ACLs and rate limits; undefined: none (as Mesos without the flags). */
  readonly security?: MasterSecurity;
}
