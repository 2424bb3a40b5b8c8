// MasterCore: the pure master state machine (DESIGN.md "Pure core, thin shell"). The shell hands
// in inputs with the current time and carries out the returned outputs in order; nothing here
// reads a clock, opens a socket or touches a disk.

import { Allocator } from "../../allocator/index.ts";
import { assert } from "../../base/assert.ts";
import { Resources } from "../../resources/index.ts";
import type { StreamedObject } from "../../wire/json-stream.ts";
import { agentCall } from "./agent-calls.ts";
import { agentDisconnected, pingTimeout, reregisterTimeout } from "./agent-health.ts";
import { agentSubscribe, reregisterTimerId } from "./agents.ts";
import type { AllocatorPort } from "./allocator-port.ts";
import { countSchedulerCall } from "./framework-metrics.ts";
import { disconnect, failoverTimeout, subscribe } from "./frameworks.ts";
import { inverseOfferTimeout, sendInverseOffers } from "./inverse-offers.ts";
import { maintenanceSchedule, maintenanceStatus } from "./maintenance.ts";
import { emptyMaintenanceRuntime } from "./maintenance-state.ts";
import { messageMetric, metrics } from "./metrics.ts";
import { createOffers, removeOffer } from "./offers.ts";
import { renderOperations } from "./operation-feedback.ts";
import { type MasterSnapshot, operatorCall, quotaOf, snapshot } from "./operator.ts";
import {
  applyRegistryOperation,
  cloneRegistryState,
  emptyRegistryState,
  type RegistryOperation,
  type RegistryState,
} from "./registry-state.ts";
import { ALLOCATION_TIMER_ID, schedulerCall } from "./scheduler-calls.ts";
import { Ctx, type MasterState, taskKey } from "./state.ts";
import { congestionTimeout, offerExpired, streamPressure } from "./stream-pressure.ts";
import { restoreTaskHistory, type TaskHistory, taskHistoryOf } from "./task-history.ts";
import { isTerminal } from "./task-states.ts";
import {
  DEFAULT_MASTER_FLAGS,
  type MasterConfig,
  type MasterInput,
  type MasterOutput,
  type OperationAuthorizer,
  type SchedulerCallReply,
  type TaskAuthorizer,
} from "./types.ts";
import {
  type AgentUsage,
  agentUsageSteps,
  getAgents,
  getExecutors,
  getFrameworks,
  getState,
  getTasks,
  stateDocument,
  type TaskTexts,
} from "./views.ts";
import type { FrameworkInfo } from "./wire-types.ts";

export { ALLOCATION_TIMER_ID };

export interface MasterDeps {
  /** Default: src/allocator's DRF Allocator with the master's allocation interval. */
  allocator?: AllocatorPort;
  /** Seed of the default allocator's random choices. */
  seed?: number;
  /** The run_tasks ACL (reference §2): pure; default, every task is authorized. */
  authorizeTask?: TaskAuthorizer;
  /** The reservation and volume ACLs for ACCEPT's operations; default, every one is allowed. */
  authorizeOperation?: OperationAuthorizer;
}

export class MasterCore {
  readonly #s: MasterState;
  readonly #allocator: AllocatorPort;
  readonly #defaultWeights: ReadonlyMap<string, number>;
  #startedAtMs = 0;

  constructor(config: MasterConfig, deps: MasterDeps = {}) {
    const flags = { ...DEFAULT_MASTER_FLAGS, ...config.flags };
    this.#defaultWeights = config.defaultWeights ?? new Map();
    this.#allocator =
      deps.allocator ??
      new Allocator({
        allocationIntervalMs: flags.allocationIntervalMs,
        ...(deps.seed === undefined ? {} : { seed: deps.seed }),
      });
    this.#s = {
      masterInfo: config.masterInfo,
      flags,
      frameworks: new Map(),
      completedFrameworks: [],
      restoredTasks: new Map(),
      agents: new Map(),
      recoveredAgents: new Map(),
      unreachableAgents: new Map(),
      goneAgents: new Map(),
      offers: new Map(),
      streams: new Map(),
      agentStreams: new Map(),
      timers: new Map(),
      nextFrameworkNumber: 0,
      nextAgentNumber: 0,
      nextOfferNumber: 0,
      nextToken: 1,
      pending: new Map(),
      registry: emptyRegistryState(),
      markingDrained: new Set(),
      registering: new Map(),
      agentStreamPeers: new Map(),
      recovered: false,
      metrics: new Map(),
      maintenance: emptyMaintenanceRuntime(),
      operations: { byUuid: new Map(), next: 0 },
      authorizeTask: deps.authorizeTask,
      authorizeOperation: deps.authorizeOperation,
    };
  }

  get masterId(): string {
    return this.#s.masterInfo.id;
  }

  /** Whether `recover` ran; until then the shell answers 503 "Master has not finished recovery". */
  get recovered(): boolean {
    return this.#s.recovered;
  }

  handle(input: MasterInput, nowMs: number): MasterOutput[] {
    const ctx = new Ctx(this.#s, this.#allocator, nowMs);
    if (input.kind !== "recover" && !this.#s.recovered) {
      throw new Error(`master core got '${input.kind}' before recover`);
    }
    const message = messageMetric(input);
    if (message !== undefined) ctx.count(message);
    switch (input.kind) {
      case "recover":
        this.#recover(ctx, input.registry);
        if (input.taskHistory !== undefined) restoreTaskHistory(this.#s, input.taskHistory);
        break;
      case "scheduler_subscribe": {
        const sub = input.call.subscribe;
        if (sub === undefined) throw new Error("SUBSCRIBE without subscribe (shell must validate)");
        countSchedulerCall(ctx, input.call);
        subscribe(ctx, input.streamId, sub.framework_info, sub.suppressed_roles ?? []);
        break;
      }
      case "scheduler_call": {
        countSchedulerCall(ctx, input.call);
        const reply = schedulerCall(ctx, input.streamId, input.call);
        ctx.out.push({ kind: "reply", requestId: input.requestId, reply });
        break;
      }
      case "scheduler_stream_closed": {
        const frameworkId = this.#s.streams.get(input.streamId);
        const framework =
          frameworkId === undefined ? undefined : this.#s.frameworks.get(frameworkId);
        if (framework !== undefined && framework.streamId === input.streamId)
          disconnect(ctx, framework);
        break;
      }
      case "scheduler_stream_pressure":
        streamPressure(ctx, input.streamId, input.congested);
        break;
      case "agent_subscribe":
        if (input.peerIp !== undefined) {
          this.#s.agentStreamPeers.set(input.agentStreamId, input.peerIp);
        }
        if (input.call.subscribe !== undefined) {
          agentSubscribe(ctx, input.agentStreamId, input.call.subscribe);
        }
        break;
      case "agent_call":
        agentCall(ctx, input.agentId, input.call);
        break;
      case "agent_stream_closed": {
        this.#s.agentStreamPeers.delete(input.agentStreamId);
        const agentId = this.#s.agentStreams.get(input.agentStreamId);
        const agent = agentId === undefined ? undefined : this.#s.agents.get(agentId);
        if (agent !== undefined) agentDisconnected(ctx, agent);
        break;
      }
      case "timer_fired":
        this.#timer(ctx, input.timerId);
        break;
      case "registry_result": {
        const pending = this.#s.pending.get(input.token);
        this.#s.pending.delete(input.token);
        if (!input.ok) {
          ctx.out.push({ kind: "abort", message: "Failed to update the registry" });
        } else if (pending !== undefined) {
          // The core's copy of the registry follows the store: the same operations, in order.
          for (const op of pending.ops) applyRegistryOperation(this.#s.registry, op);
          pending.then(ctx);
        }
        break;
      }
      case "operator_call": {
        const requestId = input.requestId;
        const later = (next: Ctx, r: SchedulerCallReply) =>
          next.out.push({ kind: "reply", requestId, reply: r });
        const reply = operatorCall(ctx, input.call, later);
        if (reply !== undefined) ctx.out.push({ kind: "reply", requestId, reply });
        break;
      }
    }
    this.#triggerAllocation(ctx, input);
    return ctx.out;
  }

  /**
   * Events that changed what can be offered (an agent added, resources recovered, a framework
   * revived) ask the allocator for a run; like Mesos, the run is batched: it happens once, at
   * the current time, after the event (the shell fires the timer on its next turn).
   */
  #triggerAllocation(ctx: Ctx, input: MasterInput): void {
    if (input.kind === "timer_fired" && input.timerId === ALLOCATION_TIMER_ID) return;
    if (!this.#s.recovered || !this.#allocator.needsAllocation()) return;
    const atMs = this.#s.timers.get(ALLOCATION_TIMER_ID);
    if (atMs === undefined || atMs > ctx.nowMs) ctx.setTimer(ALLOCATION_TIMER_ID, ctx.nowMs);
  }

  snapshot(nowMs: number): MasterSnapshot {
    return snapshot(new Ctx(this.#s, this.#allocator, nowMs));
  }

  /** The finished tasks a stopping master saves for its successor (task-history.ts). */
  taskHistory(): TaskHistory {
    return taskHistoryOf(this.#s);
  }

  /** GET_STATE / GET_AGENTS / GET_FRAMEWORKS / GET_TASKS / GET_EXECUTORS payloads (wire values). */
  getState(): ReturnType<typeof getState> {
    return getState(this.#s);
  }

  /** GET_STATE as a document printed as it is written (views.ts stateDocument); `usage`
   *  the agents' usage added up by agentUsageSteps. */
  getStateDocument(texts?: TaskTexts, usage?: Map<string, AgentUsage>): StreamedObject {
    return stateDocument(this.#s, texts, usage);
  }

  /** The agents' usage into `usage`, in steps (views.ts agentUsageSteps). */
  agentUsageSteps(usage: Map<string, AgentUsage>): Generator<void> {
    return agentUsageSteps(this.#s.frameworks.values(), this.#s.offers.values(), usage);
  }

  getAgents(): ReturnType<typeof getAgents> {
    return getAgents(this.#s);
  }

  /** An active framework's FrameworkInfo (the HTTP shell's principal checks read it per call). */
  frameworkInfo(frameworkId: string): Readonly<FrameworkInfo> | undefined {
    return this.#s.frameworks.get(frameworkId)?.info;
  }

  getFrameworks(): ReturnType<typeof getFrameworks> {
    return getFrameworks(this.#s);
  }

  getTasks(): ReturnType<typeof getTasks> {
    return getTasks(this.#s);
  }

  /** GET_OPERATIONS: the operations with feedback the master tracks. */
  getOperations(): ReturnType<typeof renderOperations> {
    return renderOperations({ s: this.#s });
  }

  getExecutors(): ReturnType<typeof getExecutors> {
    return getExecutors(this.#s);
  }

  /** GET_MAINTENANCE_SCHEDULE / GET_MAINTENANCE_STATUS payloads (wire values). */
  maintenanceSchedule(): ReturnType<typeof maintenanceSchedule> {
    return maintenanceSchedule(this.#s);
  }

  maintenanceStatus(): ReturnType<typeof maintenanceStatus> {
    return maintenanceStatus(this.#s, this.#allocator);
  }

  metrics(nowMs: number): Record<string, number> {
    return metrics(new Ctx(this.#s, this.#allocator, nowMs), this.#startedAtMs);
  }

  /** After a (re)start: agents admitted in the registry await re-registration (reference §5.8). */
  #recover(ctx: Ctx, registry: RegistryState): void {
    if (this.#s.recovered) throw new Error("master core recovered twice");
    this.#s.recovered = true;
    this.#startedAtMs = ctx.nowMs;
    this.#s.registry = cloneRegistryState(registry);
    for (const [id, agent] of registry.admitted) {
      this.#s.recoveredAgents.set(id, agent.info);
      ctx.setTimer(reregisterTimerId(id), ctx.nowMs + ctx.flags.agentReregisterTimeoutMs);
    }
    for (const [id, agent] of registry.unreachable) {
      this.#s.unreachableAgents.set(id, { unreachableTimeMs: agent.unreachableTimeMs });
    }
    for (const [id, agent] of registry.gone) {
      this.#s.goneAgents.set(id, { goneTimeMs: agent.goneTimeMs });
    }
    // Weights and quota live in the registry; the allocator learns them again. --weights counts
    // only while the registry holds none, and is then written to it (Mesos's _recover).
    const useFlag = registry.weights.size === 0 && this.#defaultWeights.size > 0;
    const weights = this.#allocator.updateWeights(
      useFlag ? this.#defaultWeights : registry.weights,
    );
    assert(weights.ok, `registry weights rejected by the allocator: ${JSON.stringify(weights)}`);
    for (const [role, config] of registry.quotas) {
      const quota = this.#allocator.updateQuota(role, quotaOf(config));
      assert(quota.ok, `registry quota of '${role}' rejected by the allocator`);
    }
    const ops: RegistryOperation[] = [{ type: "SetMasterInfo", info: this.#s.masterInfo }];
    if (useFlag) {
      const list = [...this.#defaultWeights].map(([role, weight]) => ({ role, weight }));
      ops.push({ type: "UpdateWeights", weights: list });
    }
    ctx.persist(ops, () => {});
    ctx.setTimer(ALLOCATION_TIMER_ID, ctx.nowMs + ctx.flags.allocationIntervalMs);
  }

  #timer(ctx: Ctx, timerId: string): void {
    const atMs = this.#s.timers.get(timerId);
    if (atMs === undefined || atMs > ctx.nowMs) return;
    this.#s.timers.delete(timerId);
    const colon = timerId.indexOf(":");
    const kind = colon < 0 ? timerId : timerId.slice(0, colon);
    const id = colon < 0 ? "" : timerId.slice(colon + 1);
    switch (kind) {
      case ALLOCATION_TIMER_ID:
        createOffers(ctx, this.#allocator.allocate(ctx.nowMs, { full: true }));
        sendInverseOffers(ctx, this.#allocator.generateInverseOffers(ctx.nowMs));
        ctx.setTimer(ALLOCATION_TIMER_ID, ctx.nowMs + ctx.flags.allocationIntervalMs);
        break;
      case "offer": {
        const offer = this.#s.offers.get(id);
        // --offer_timeout (or, without it, the silent-framework bound): rescinded, resources
        // back without a filter.
        if (offer !== undefined && offerExpired(ctx, offer))
          removeOffer(ctx, offer, { rescind: true, recover: true, refuseSeconds: 0 });
        break;
      }
      case "inverse_offer":
        inverseOfferTimeout(ctx, id);
        break;
      case "failover": {
        const framework = this.#s.frameworks.get(id);
        if (framework !== undefined) failoverTimeout(ctx, framework);
        break;
      }
      case "congested": {
        const framework = this.#s.frameworks.get(id);
        if (framework !== undefined) congestionTimeout(ctx, framework);
        break;
      }
      case "ping": {
        const agent = this.#s.agents.get(id);
        if (agent !== undefined) pingTimeout(ctx, agent);
        break;
      }
      case "reregister":
        reregisterTimeout(ctx, id);
        break;
      default:
        throw new Error(`unknown timer '${timerId}'`);
    }
  }

  /**
   * Invariant violations (empty when all hold): every agent's in-use resources fit its total,
   * no task is both active and completed, every task an agent lists exists, no inverse offer
   * outlives its framework or agent. Cheap enough for
   * the simulator to check after every step.
   */
  invariantViolations(): string[] {
    const problems: string[] = [];
    const completed = new Set<string>();
    for (const f of [...this.#s.frameworks.values(), ...this.#s.completedFrameworks]) {
      for (const t of f.completedTasks) completed.add(taskKey(f.id, t.taskId));
    }
    for (const agent of this.#s.agents.values()) {
      let used = Resources.empty();
      for (const key of agent.tasks) {
        const slash = key.indexOf("/");
        const task = this.#s.frameworks.get(key.slice(0, slash))?.tasks.get(key.slice(slash + 1));
        if (task === undefined) {
          problems.push(`agent ${agent.id} lists unknown task ${key}`);
          continue;
        }
        if (completed.has(key) && !isTerminal(task.state)) {
          problems.push(`task ${key} is both active and completed`);
        }
        if (!task.released) used = used.add(task.resources.unallocate());
      }
      for (const offer of this.#s.offers.values()) {
        if (offer.agentId === agent.id) used = used.add(offer.resources.unallocate());
      }
      if (!agent.total.contains(used)) {
        problems.push(
          `agent ${agent.id} uses ${used.toString()} beyond its total ${agent.total.toString()}`,
        );
      }
    }
    for (const r of this.#s.maintenance.inverseOffers.values()) {
      if (!this.#s.frameworks.has(r.frameworkId) || !this.#s.agents.has(r.agentId)) {
        problems.push(
          `inverse offer ${r.id} outlived framework ${r.frameworkId} or agent ${r.agentId}`,
        );
      }
    }
    return problems;
  }
}
