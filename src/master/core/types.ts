// The MasterCore's inputs, outputs, configuration and expected failures (reference §1, §5).
// The core is pure: the shell turns HTTP requests, stream closes, timer firings and registry
// results into `MasterInput`s and carries out the `MasterOutput`s the core returns, in order.
import type { z } from "zod";
import type { DrainConfig, MachineID } from "../../wire/framework.ts";
import type { MasterEvent } from "../../wire/operator-master.ts";
import type {
  MaintenanceWindow,
  QuotaConfig,
  RegistryOperation,
  RegistryState,
} from "./registry-state.ts";
import type { TaskHistory } from "./task-history.ts";
import type {
  AgentCall,
  AgentEvent,
  FrameworkInfo,
  MasterInfo,
  OfferOperation,
  SchedulerCall,
  SchedulerEvent,
  TaskInfo,
} from "./wire-types.ts";

/**
 * The run_tasks ACL (reference §2): whether the framework may run `task` as its user (the
 * task's, else its executor's, else the framework's). Pure; the shell builds it from --acls.
 */
export type TaskAuthorizer = (framework: FrameworkInfo, task: TaskInfo) => boolean;

/**
 * The reservation and volume ACLs (reserve_resources … resize_volumes, reference §2) for an
 * operation a framework puts in ACCEPT, asked as its principal. Pure; built from --acls.
 */
export type OperationAuthorizer = (framework: FrameworkInfo, operation: OfferOperation) => boolean;

export interface MasterFlags {
  /** `--allocation_interval` (1 s). */
  allocationIntervalMs: number;
  /** `--offer_timeout` (none): outstanding offers are rescinded after it, without a filter. */
  offerTimeoutMs: number | undefined;
  /** `--agent_ping_timeout` (15 s) and `--max_agent_ping_timeouts` (5). */
  agentPingTimeoutMs: number;
  maxAgentPingTimeouts: number;
  /** `--agent_reregister_timeout` (10 min): after it a disconnected/recovered agent is unreachable. */
  agentReregisterTimeoutMs: number;
  /** `--max_completed_frameworks` (50), `--max_completed_tasks_per_framework` (1000). */
  maxCompletedFrameworks: number;
  maxCompletedTasksPerFramework: number;
  /** `--max_unreachable_tasks_per_framework` (1000). */
  maxUnreachableTasksPerFramework: number;
  /** `--roles` whitelist (deprecated in Mesos); undefined = any valid role. */
  rolesWhitelist: readonly string[] | undefined;
  /** `--root_submissions` (true). */
  rootSubmissions: boolean;
  /** `--publish_per_framework_metrics` (true): the `master/frameworks/<name>/<id>/` keys. */
  publishPerFrameworkMetrics: boolean;
  /**
   * Not a Mesos flag: how long a framework whose stream is congested (its consumer stopped
   * reading) keeps its offers before they are rescinded (src/master/core/stream-pressure.ts).
   */
  congestedOfferTimeoutMs: number;
  /**
   * Not a Mesos flag: with no --offer_timeout, an offer is rescinded after this long if its
   * framework has made no call at all since it was sent (a consumer that does not read; see
   * stream-pressure.ts). Undefined: offers are held until answered, as in Mesos.
   */
  silentOfferTimeoutMs: number | undefined;
  /**
   * Not a Mesos flag: the scheme of the agents' URLs in offers (`Offer.url.scheme`): "https"
   * when the master speaks TLS, as libprocess's one TLS setting covers the whole cluster.
   */
  agentScheme: "http" | "https";
}

export const DEFAULT_MASTER_FLAGS: MasterFlags = {
  allocationIntervalMs: 1000,
  offerTimeoutMs: undefined,
  agentPingTimeoutMs: 15_000,
  maxAgentPingTimeouts: 5,
  agentReregisterTimeoutMs: 600_000,
  maxCompletedFrameworks: 50,
  maxCompletedTasksPerFramework: 1000,
  maxUnreachableTasksPerFramework: 1000,
  rolesWhitelist: undefined,
  rootSubmissions: true,
  publishPerFrameworkMetrics: true,
  // Long enough for a consumer that paused (a GC, a slow disk) to catch up; short next to the
  // 30 s a normal framework went without offers behind 500 silent ones.
  congestedOfferTimeoutMs: 5_000,
  silentOfferTimeoutMs: 10_000,
  agentScheme: "http",
};

export interface MasterConfig {
  masterInfo: MasterInfo;
  flags?: Partial<MasterFlags>;
  /**
   * `--weights`: used, and written to the registry, only when the recovered registry holds no
   * weights; once the registry has weights the flag is ignored (Mesos's Master::_recover).
   */
  defaultWeights?: ReadonlyMap<string, number>;
}

export type SchedulerCallReply =
  | { ok: true; status: 200 | 202 }
  | { ok: false; error: MasterError };

export type MasterErrorCode =
  | "framework_not_found"
  | "framework_removed"
  | "not_subscribed"
  | "stream_id_mismatch"
  | "invalid_framework_info"
  | "not_implemented"
  | "agent_not_found"
  /** Mesos's 400s: a malformed call, bad weights or quota, an unknown or draining agent. */
  | "invalid_call"
  /** An operator's resource operation the agent's unused resources cannot cover. */
  | "conflict";

/** An expected failure; the shell maps `code` to an HTTP status in one place. */
export interface MasterError {
  code: MasterErrorCode;
  message: string;
}

/** HTTP status Mesos answers with for each expected failure (reference §1.1, §4.1). */
export const MASTER_ERROR_STATUS: Record<MasterErrorCode, number> = {
  framework_not_found: 400,
  framework_removed: 400,
  not_subscribed: 403,
  stream_id_mismatch: 400,
  invalid_framework_info: 400,
  not_implemented: 501,
  agent_not_found: 404,
  invalid_call: 400,
  conflict: 409,
};

export type OperatorCall =
  | { type: "TEARDOWN"; frameworkId: string }
  | { type: "MARK_AGENT_GONE"; agentId: string }
  /** UPDATE_WEIGHTS: answered 200 once UpdateWeights is durable. */
  | { type: "UPDATE_WEIGHTS"; weights: { role: string; weight: number }[] }
  /** UPDATE_QUOTA: all or nothing; `force` skips the cluster-capacity check. */
  | { type: "UPDATE_QUOTA"; configs: QuotaConfig[]; force: boolean }
  | { type: "DEACTIVATE_AGENT"; agentId: string }
  | { type: "REACTIVATE_AGENT"; agentId: string }
  /** DRAIN_AGENT: `config.max_grace_period` caps the kill grace of the agent's tasks. */
  | { type: "DRAIN_AGENT"; agentId: string; config: DrainConfig }
  /** Maintenance (maintenance.ts): answered 200 once durable and carried out, or 400. */
  | { type: "UPDATE_MAINTENANCE_SCHEDULE"; windows: MaintenanceWindow[] }
  | { type: "START_MAINTENANCE"; machines: MachineID[] }
  | { type: "STOP_MAINTENANCE"; machines: MachineID[] }
  /**
   * RESERVE_RESOURCES ... SHRINK_VOLUME (and the v0 reserve / volume endpoints) as the offer
   * operation they stand for; 202 once applied. `principal`: the authenticated operator.
   */
  | {
      type: "OFFER_OPERATION";
      agentId: string;
      operation: OfferOperation;
      principal: string | undefined;
    };

export type MasterInput =
  /** A SUBSCRIBE call on a new scheduler stream; the shell has already answered 200. */
  | { kind: "scheduler_subscribe"; streamId: string; call: SchedulerCall }
  /** Any other scheduler call; answered by a `reply` output with the same requestId. */
  | {
      kind: "scheduler_call";
      requestId: number;
      streamId: string | undefined;
      call: SchedulerCall;
    }
  | { kind: "scheduler_stream_closed"; streamId: string }
  /** The stream's consumer stopped reading (`congested`), or its backlog drained again. */
  | { kind: "scheduler_stream_pressure"; streamId: string; congested: boolean }
  /** An agent SUBSCRIBE on a new agent stream (register or re-register). */
  /** `peerIp`: the connection's source address, by which an agent is fenced (agents.ts). */
  | { kind: "agent_subscribe"; agentStreamId: string; call: AgentCall; peerIp?: string }
  /** Any other agent call (UPDATE, PONG, EXECUTOR_EXITED, ...), from a subscribed agent. */
  | { kind: "agent_call"; agentId: string; call: AgentCall }
  | { kind: "agent_stream_closed"; agentStreamId: string }
  | { kind: "timer_fired"; timerId: string }
  /** The registry shell made the operations of `persist` output `token` durable (or failed). */
  | { kind: "registry_result"; token: number; ok: boolean }
  | { kind: "operator_call"; requestId: number; call: OperatorCall }
  /** First input after a (re)start: the registry as recovered from the store. */
  /** `taskHistory`: finished tasks saved by a stopped master (task-history.ts), if kept. */
  | { kind: "recover"; registry: RegistryState; taskHistory?: TaskHistory };

export type MasterOutput =
  | { kind: "framework_event"; streamId: string; frameworkId: string; event: SchedulerEvent }
  /** Close a scheduler stream; an ERROR, if any, was sent just before as a framework_event. */
  | { kind: "close_framework_stream"; streamId: string }
  | { kind: "agent_event"; agentStreamId: string; event: AgentEvent }
  | { kind: "close_agent_stream"; agentStreamId: string }
  /** Make these registry operations durable, then feed back `registry_result` with the token. */
  | { kind: "persist"; token: number; ops: RegistryOperation[] }
  | { kind: "set_timer"; timerId: string; atMs: number }
  | { kind: "cancel_timer"; timerId: string }
  | { kind: "operator_event"; event: OperatorEvent }
  | { kind: "reply"; requestId: number; reply: SchedulerCallReply }
  /** A registry write failed: like Mesos, the master must exit (a standby takes over). */
  | { kind: "abort"; message: string };

/**
 * An operator event stream record (reference §4.3) as a value of the wire MasterEvent; the
 * shell puts it on every subscriber's stream (after its own authorization filtering).
 */
export type OperatorEvent = z.input<typeof MasterEvent>;
