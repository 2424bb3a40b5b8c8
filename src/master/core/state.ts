// The master's in-memory state, split by concern into records, plus the context every handler
// works in: the state, the current time, and the list of outputs being built.

import type { Resources } from "../../resources/index.ts";
import type { AgentCapabilityType } from "../../wire/framework.ts";
import type { AllocatorPort } from "./allocator-port.ts";
import { countEvent } from "./framework-metrics.ts";
import type { MaintenanceRuntime } from "./maintenance-state.ts";
import type { OperationBook } from "./operation-feedback.ts";
import type { RegistryOperation, RegistryState } from "./registry-state.ts";
import type {
  MasterFlags,
  MasterOutput,
  OperationAuthorizer,
  OperatorEvent,
  TaskAuthorizer,
} from "./types.ts";
import type {
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  KillPolicy,
  MasterInfo,
  Offer,
  SchedulerEvent,
  TaskInfo,
  TaskState,
  TaskStatus,
} from "./wire-types.ts";

export interface TaskRecord {
  frameworkId: string;
  taskId: string;
  agentId: string;
  executorId: string | undefined;
  info: TaskInfo;
  role: string;
  resources: Resources;
  /** Latest known state (runs ahead of statusUpdateState thanks to `latest_state`). */
  state: TaskState;
  /** State of the update being delivered; the one reconciliation reports first. */
  statusUpdateState: TaskState | undefined;
  /** uuid of the update awaiting the framework's acknowledgement. */
  statusUpdateUuid: string | undefined;
  statuses: TaskStatus[];
  /** Set once a terminal latest state gave the resources back to the allocator. */
  released: boolean;
  unreachableTimeMs: number | undefined;
  /** Set by KILL; re-sent when the agent re-registers, as Mesos does for a disconnected agent. */
  killRequested?: { policy: KillPolicy | undefined };
  /** What its TaskInfo weighs as JSON, counted in its agent's `taskInfoBytes`. */
  infoBytes: number;
}

export type FrameworkConnection = "connected" | "disconnected" | "recovered";

export interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  connection: FrameworkConnection;
  /** Inactive frameworks get no offers (disconnected or deactivated). */
  active: boolean;
  /** Its stream's consumer is not reading: no offers while set (stream-pressure.ts). */
  congested: boolean;
  /** When it last subscribed or made a call: a framework that never calls is not reading. */
  lastCallMs: number;
  streamId: string | undefined;
  roles: string[];
  suppressedRoles: Set<string>;
  partitionAware: boolean;
  registeredTimeMs: number;
  reregisteredTimeMs: number | undefined;
  unregisteredTimeMs: number | undefined;
  /** Active tasks: non-terminal ones and terminal ones whose update is not yet acknowledged. */
  tasks: Map<string, TaskRecord>;
  /** Tasks on unreachable agents (bounded by --max_unreachable_tasks_per_framework). */
  unreachableTasks: Map<string, TaskRecord>;
  /** Bounded by --max_completed_tasks_per_framework, oldest dropped first. */
  completedTasks: TaskRecord[];
  /** Executors by agent id, then executor id. */
  executors: Map<string, Map<string, ExecutorRecord>>;
  /** Its per-framework metric counters by key under its prefix (framework-metrics.ts). */
  counters: Map<string, number>;
}

export interface ExecutorRecord {
  info: ExecutorInfo;
  resources: Resources;
}

export type AgentConnection = "registered" | "disconnected";

export interface AgentRecord {
  id: string;
  info: AgentInfo;
  /** The agent's advertised IP (its hostname where an agent did not send one). */
  ip: string;
  connection: AgentConnection;
  streamId: string | undefined;
  version: string;
  capabilities: AgentCapabilityType[];
  total: Resources;
  /** Dynamic reservations and persistent volumes the agent checkpoints. */
  checkpointed: Resources;
  registeredTimeMs: number;
  reregisteredTimeMs: number | undefined;
  /** Keys `frameworkId/taskId` of the tasks on this agent. */
  tasks: Set<string>;
  /** Sum of the tasks' `infoBytes`, bounded by AGENT_TASK_INFOS_MAX_BYTES at launch. */
  taskInfoBytes: number;
  pongSinceLastPing: boolean;
  missedPings: number;
  /** Set while MarkAgentUnreachable / RemoveAgent is being made durable. */
  removing: boolean;
}

export interface OfferRecord {
  id: string;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resources;
  offer: Offer;
  createdMs: number;
}

export interface MasterState {
  masterInfo: MasterInfo;
  flags: MasterFlags;
  frameworks: Map<string, FrameworkRecord>;
  /** Removed frameworks, oldest first, bounded by --max_completed_frameworks. */
  completedFrameworks: FrameworkRecord[];
  /**
   * Finished tasks from before a restart (task-history.ts) of frameworks that have not come
   * back yet, each list bounded by --max_completed_tasks_per_framework.
   */
  restoredTasks: Map<string, { info: FrameworkInfo; tasks: TaskRecord[] }>;
  agents: Map<string, AgentRecord>;
  /** Admitted in the registry, not yet re-registered since this master started. */
  recoveredAgents: Map<string, AgentInfo>;
  unreachableAgents: Map<string, { unreachableTimeMs: number }>;
  goneAgents: Map<string, { goneTimeMs: number }>;
  offers: Map<string, OfferRecord>;
  streams: Map<string, string>;
  agentStreams: Map<string, string>;
  /** Pending deadlines by timer id; a firing whose id is absent (cancelled) is ignored. */
  timers: Map<string, number>;
  nextFrameworkNumber: number;
  nextAgentNumber: number;
  nextOfferNumber: number;
  nextToken: number;
  /** Registry writes in flight, by persist token: the operations and what runs once durable. */
  pending: Map<number, { ops: RegistryOperation[]; then: (ctx: Ctx) => void }>;
  /**
   * The registry as it is durable: recovered at start, then every persisted operation applied
   * once the shell reports it durable. Weights, quota, drain and deactivation are read here.
   */
  registry: RegistryState;
  /** Draining agents whose MarkAgentDrained is in flight. */
  markingDrained: Set<string>;
  /** New agents whose AdmitAgent is in flight, by `hostname:port`, with their latest stream. */
  registering: Map<string, string>;
  /** Each open agent stream's source address; entries go when their stream closes. */
  agentStreamPeers: Map<string, string>;
  recovered: boolean;
  metrics: Map<string, number>;
  /** Inverse offers out and the maintenance window each agent is known under (maintenance.ts). */
  maintenance: MaintenanceRuntime;
  /** Offer operations with feedback (an operation id), until acknowledged terminal. */
  operations: OperationBook;
  /** The run_tasks ACL; undefined: every task is authorized (no authorizer). */
  authorizeTask: TaskAuthorizer | undefined;
  /** The reservation and volume ACLs for ACCEPT; undefined: every operation is allowed. */
  authorizeOperation: OperationAuthorizer | undefined;
}

export class Ctx {
  readonly out: MasterOutput[] = [];
  constructor(
    readonly s: MasterState,
    readonly allocator: AllocatorPort,
    readonly nowMs: number,
  ) {}

  get flags(): MasterFlags {
    return this.s.flags;
  }

  /**
   * Gives resources back to the allocator; `refuseSeconds` > 0 installs an offer filter for the
   * framework on the agent (declined / unused offers), 0 none.
   */
  recover(frameworkId: string, agentId: string, resources: Resources, refuseSeconds: number): void {
    const filter = refuseSeconds > 0 ? { refuseSeconds } : undefined;
    this.allocator.recoverResources(frameworkId, agentId, resources, filter, this.nowMs);
  }

  count(metric: string, by = 1): void {
    this.s.metrics.set(metric, (this.s.metrics.get(metric) ?? 0) + by);
  }

  /** Sends to the framework if it is connected; events for others are dropped, as in Mesos. */
  toFramework(framework: FrameworkRecord, event: SchedulerEvent): boolean {
    if (framework.connection !== "connected" || framework.streamId === undefined) return false;
    this.out.push({
      kind: "framework_event",
      streamId: framework.streamId,
      frameworkId: framework.id,
      event,
    });
    this.count(eventMetric(event.type ?? "UNKNOWN"));
    countEvent(framework, event.type ?? "UNKNOWN");
    return true;
  }

  toAgent(agent: AgentRecord, event: Parameters<typeof agentEvent>[0]): boolean {
    if (agent.connection !== "registered" || agent.streamId === undefined) return false;
    this.out.push(agentEvent(event, agent.streamId));
    return true;
  }

  operator(event: OperatorEvent): void {
    this.out.push({ kind: "operator_event", event });
  }

  setTimer(timerId: string, atMs: number): void {
    this.s.timers.set(timerId, atMs);
    this.out.push({ kind: "set_timer", timerId, atMs });
  }

  cancelTimer(timerId: string): void {
    if (this.s.timers.delete(timerId)) this.out.push({ kind: "cancel_timer", timerId });
  }

  /** Persists registry operations; `then` runs once the shell reports them durable. */
  persist(ops: RegistryOperation[], then: (ctx: Ctx) => void): void {
    const token = this.s.nextToken++;
    this.s.pending.set(token, { ops, then });
    this.out.push(persistOutput(token, ops));
  }
}

function agentEvent(
  event: Extract<MasterOutput, { kind: "agent_event" }>["event"],
  agentStreamId: string,
): MasterOutput {
  return { kind: "agent_event", agentStreamId, event };
}

function persistOutput(
  token: number,
  ops: Extract<MasterOutput, { kind: "persist" }>["ops"],
): MasterOutput {
  return { kind: "persist", token, ops };
}

// Metric names by event type and task state, built once: these are counted for every event
// sent and every state change, a million times in a large launch.
const eventMetrics = new Map<string, string>();
const stateMetrics = new Map<string, string>();

function eventMetric(type: string): string {
  let name = eventMetrics.get(type);
  if (name === undefined) {
    name = `master/events_${type.toLowerCase()}`;
    eventMetrics.set(type, name);
  }
  return name;
}

/** `master/tasks_running` for TASK_RUNNING, and so on. */
export function taskStateMetric(state: TaskState): string {
  let name = stateMetrics.get(state);
  if (name === undefined) {
    name = `master/tasks_${state.slice(5).toLowerCase()}`;
    stateMetrics.set(state, name);
  }
  return name;
}

export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}/${taskId}`;
}
