// The agent state machine (DESIGN.md "pure core, thin shell"): `handle(input, nowMs)` returns
// what the shell must do, in order. No clock, sockets, files or processes in here: the shell
// feeds master events, executor calls, containerizer results, timer firings and checkpoint
// completions in, and sends, launches, destroys, writes and arms timers as told.
import type { AgentEvent } from "../../wire/agent-channel.ts";
import type { ExecutorCall } from "../../wire/executor.ts";
import type { Resource } from "../../wire/resource.ts";
import { checkpointResources, resourcesWritten } from "./checkpointed-resources.ts";
import {
  executorExited,
  executorOfTimer,
  executorSubscribe,
  registrationTimeout,
  shutdownExecutor,
  shutdownTimeout,
} from "./executors.ts";
import { shutdownFramework, updateFramework } from "./frameworks.ts";
import { oversubscribedResources, qosCorrection, sendOversubscribed } from "./oversubscription.ts";
import { executorReconnected, RECOVERY_TIMER, recover, recoveryTimeout } from "./recovery.ts";
import {
  masterConnected,
  masterDisconnected,
  PING_TIMER,
  ping,
  pingTimeout,
  REGISTRATION_TIMER,
  registrationTimer,
  subscribed,
} from "./registration.ts";
import {
  type AgentCounts,
  type AgentFramework,
  type AgentState,
  Ctx,
  executorIds,
} from "./state.ts";
import { isStatusUpdateTimer, StatusUpdateManager } from "./status-update-manager.ts";
import {
  acknowledge,
  executorUpdate,
  killTask,
  reconcile,
  runTask,
  runTaskGroup,
  taskWritten,
} from "./tasks.ts";
import {
  type AgentConfig,
  type AgentFlags,
  type AgentInput,
  type AgentOutput,
  type AgentRandom,
  DEFAULT_AGENT_FLAGS,
  type ExecutorReply,
} from "./types.ts";

export class AgentCore {
  readonly #s: AgentState;
  readonly #sum: StatusUpdateManager;
  readonly #config: AgentConfig;
  readonly #flags: AgentFlags;
  readonly #random: AgentRandom;

  constructor(config: AgentConfig, random: AgentRandom) {
    this.#config = config;
    this.#flags = { ...DEFAULT_AGENT_FLAGS, ...config.flags };
    this.#random = random;
    this.#s = {
      info: config.agentInfo,
      agentId: undefined,
      recovery: "pending",
      masterKnown: false,
      connection: "disconnected",
      registrationBackoffMs: this.#flags.registrationBackoffFactorMs,
      pingTimeoutMs: 75_000,
      frameworks: new Map(),
      completedFrameworks: new Map(),
      executorStreams: new Map(),
      containers: new Map(),
      nextToken: 0,
      shuttingDown: false,
      checkpointFailure: undefined,
      checkpointedResources: [],
      pendingOperations: new Map(),
      oversubscribed: [],
      oversubscribedSent: undefined,
      counts: {
        validStatusUpdates: 0,
        invalidStatusUpdates: 0,
        tasksEnded: new Map(),
        containerLaunchErrors: 0,
        checkpointWriteErrors: 0,
        validFrameworkMessages: 0,
        invalidFrameworkMessages: 0,
        executorsPreempted: 0,
      },
    };
    this.#sum = new StatusUpdateManager({
      retryMinMs: this.#flags.statusUpdateRetryMinMs,
      retryMaxMs: this.#flags.statusUpdateRetryMaxMs,
      nextToken: () => ++this.#s.nextToken,
    });
  }

  /** The agent id, once registered or recovered. */
  get agentId(): string | undefined {
    return this.#s.agentId;
  }

  get connection(): AgentState["connection"] {
    return this.#s.connection;
  }

  get recovery(): AgentState["recovery"] {
    return this.#s.recovery;
  }

  /** Read-only view for the agent's endpoints (/state, GET_TASKS...). Do not mutate. */
  get frameworks(): ReadonlyMap<string, AgentFramework> {
    return this.#s.frameworks;
  }

  /** Counters since start, for /metrics/snapshot. Do not mutate. */
  get counts(): Readonly<AgentCounts> {
    return this.#s.counts;
  }

  /** The resource estimator's latest revocable resources. Do not mutate. */
  get oversubscribed(): readonly Resource[] {
    return this.#s.oversubscribed;
  }

  /** Frameworks with nothing left on this agent, oldest first (bounded). Do not mutate. */
  get completedFrameworks(): ReadonlyMap<string, AgentFramework> {
    return this.#s.completedFrameworks;
  }

  /** Why the agent takes no new tasks: the first checkpoint write that failed. */
  get checkpointFailure(): string | undefined {
    return this.#s.checkpointFailure;
  }

  /** Dynamic reservations and persistent volumes (wire form), for /state. Do not mutate. */
  get checkpointedResources(): readonly Resource[] {
    return this.#s.checkpointedResources;
  }

  get statusUpdates(): StatusUpdateManager {
    return this.#sum;
  }

  handle(input: AgentInput, nowMs: number): AgentOutput[] {
    const ctx = new Ctx(this.#s, this.#sum, this.#config, this.#flags, this.#random, nowMs);
    switch (input.kind) {
      case "recover":
        recover(ctx, input.state);
        break;
      case "master_connected":
        masterConnected(ctx);
        break;
      case "master_disconnected":
        masterDisconnected(ctx, input.masterKnown);
        // A new connection is told the revocable resources again.
        this.#s.oversubscribedSent = undefined;
        break;
      case "oversubscribed_resources":
        oversubscribedResources(ctx, input.resources);
        break;
      case "qos_correction":
        qosCorrection(ctx, input.containerId);
        break;
      case "master_event":
        this.#masterEvent(ctx, input.event);
        break;
      case "executor_call":
        this.#executorCall(ctx, input.requestId, input.streamId, input.call);
        break;
      case "executor_stream_closed": {
        const ids = this.#s.executorStreams.get(input.streamId);
        this.#s.executorStreams.delete(input.streamId);
        const executor = ids === undefined ? undefined : ctx.executor(ids[0], ids[1]);
        // The executor stays: a checkpointing one re-subscribes; others exit on their own.
        if (executor?.streamId === input.streamId) executor.streamId = undefined;
        break;
      }
      case "container_launched":
        break;
      case "container_launch_failed": {
        this.#s.counts.containerLaunchErrors++;
        const executor = this.#containerExecutor(ctx, input.containerId);
        if (executor === undefined) break;
        executor.terminationReason = "REASON_CONTAINER_LAUNCH_FAILED";
        executor.terminationMessage = `Failed to launch container: ${input.message}`;
        executorExited(ctx, executor, {});
        break;
      }
      case "container_exited": {
        const executor = this.#containerExecutor(ctx, input.containerId);
        if (executor === undefined) break;
        executorExited(ctx, executor, input);
        executorReconnected(ctx);
        break;
      }
      case "timer_fired":
        this.#timer(ctx, input.timerId);
        break;
      case "checkpoint_written":
        ctx.sumOutputs(this.#sum.written(input.token, nowMs));
        if (!resourcesWritten(ctx, input.token)) taskWritten(ctx, input.token);
        break;
      case "checkpoint_failed":
        // What waited for this write (an update to forward, an acknowledgement, a task for its
        // executor) stays waiting: nothing that is not on disk leaves the agent.
        this.#s.counts.checkpointWriteErrors++;
        this.#s.checkpointFailure ??= input.message;
        break;
    }
    return ctx.out;
  }

  #containerExecutor(ctx: Ctx, containerId: string) {
    const ids = this.#s.containers.get(containerId);
    return ids === undefined ? undefined : ctx.executor(ids[0], ids[1]);
  }

  #masterEvent(ctx: Ctx, event: AgentEvent): void {
    if (this.#s.shuttingDown) return;
    if (event.type === "SUBSCRIBED") {
      if (event.subscribed !== undefined) subscribed(ctx, event.subscribed);
      sendOversubscribed(ctx);
      return;
    }
    // A refused registration (machine DOWN, agent gone) ends in a shutdown the agent obeys
    // before it is registered, as Mesos's agent obeys a ShutdownMessage from its master.
    if (event.type === "SHUTDOWN" && this.#s.connection !== "registered") {
      this.#shutdown(ctx, event.shutdown?.message ?? "Agent asked to shut down by the master");
      return;
    }
    // Everything else needs a registered agent (Mesos drops messages from a non-leader).
    if (this.#s.connection !== "registered") return;
    switch (event.type) {
      case "RUN_TASK":
        if (event.run_task !== undefined) runTask(ctx, event.run_task);
        break;
      case "RUN_TASK_GROUP":
        if (event.run_task_group !== undefined) runTaskGroup(ctx, event.run_task_group);
        break;
      case "KILL_TASK":
        if (event.kill_task !== undefined) killTask(ctx, event.kill_task);
        break;
      case "ACKNOWLEDGE": {
        const ack = event.acknowledge;
        if (ack !== undefined) {
          acknowledge(ctx, ack.framework_id.value, ack.task_id.value, ack.uuid);
        }
        break;
      }
      case "SHUTDOWN_FRAMEWORK":
        if (event.shutdown_framework !== undefined) {
          shutdownFramework(ctx, event.shutdown_framework.framework_id.value);
        }
        break;
      case "SHUTDOWN_EXECUTOR": {
        const e = event.shutdown_executor;
        const executor =
          e === undefined ? undefined : ctx.executor(e.framework_id.value, e.executor_id.value);
        if (executor !== undefined) shutdownExecutor(ctx, executor);
        break;
      }
      case "FRAMEWORK_MESSAGE": {
        const m = event.framework_message;
        const executor =
          m === undefined ? undefined : ctx.executor(m.framework_id.value, m.executor_id.value);
        // Unreliable, as in Mesos: dropped when the executor is not connected.
        if (executor !== undefined && m !== undefined) {
          this.#s.counts.validFrameworkMessages++;
          ctx.toExecutor(executor, { type: "MESSAGE", message: { data: m.data } });
        } else {
          this.#s.counts.invalidFrameworkMessages++;
        }
        break;
      }
      case "UPDATE_FRAMEWORK":
        if (event.update_framework !== undefined)
          updateFramework(ctx, event.update_framework.framework_info);
        break;
      case "RECONCILE_TASKS":
        reconcile(ctx, event.reconcile_tasks?.tasks ?? []);
        break;
      case "CHECKPOINT_RESOURCES":
        if (event.checkpoint_resources !== undefined) {
          checkpointResources(ctx, event.checkpoint_resources);
        }
        break;
      case "PING":
        ping(ctx, event.ping?.connected ?? true);
        break;
      case "SHUTDOWN":
        this.#shutdown(ctx, event.shutdown?.message ?? "Agent asked to shut down by the master");
        break;
      default:
        break;
    }
  }

  /** The master refused or removed the agent: destroy everything and exit (Mesos's shutdown). */
  #shutdown(ctx: Ctx, message: string): void {
    this.#s.shuttingDown = true;
    for (const framework of this.#s.frameworks.values()) {
      for (const executor of framework.executors.values()) {
        if (executor.phase !== "terminated") {
          ctx.out.push({ kind: "destroy_container", containerId: executor.containerId });
        }
      }
    }
    ctx.sumOutputs(this.#sum.pause());
    ctx.cancelTimer(PING_TIMER);
    ctx.cancelTimer(REGISTRATION_TIMER);
    ctx.out.push({ kind: "shutdown", message });
  }

  #executorCall(
    ctx: Ctx,
    requestId: number,
    streamId: string | undefined,
    call: ExecutorCall,
  ): void {
    // No local closures: under tsx every named closure costs a defineProperty (esbuild's
    // keepNames) each time it is made, and this runs for every executor call.
    // HEARTBEAT is answered before any other check (reference §3.1).
    if (call.type === "HEARTBEAT")
      return void executorReply(ctx, requestId, { ok: true, status: 202 });
    if (this.#s.recovery === "pending")
      return void executorFail(ctx, requestId, 503, "Agent has not finished recovery");
    if (call.type === "SUBSCRIBE") {
      if (streamId === undefined) throw new Error("agent core: SUBSCRIBE without a stream id");
      executorSubscribe(ctx, requestId, streamId, call);
      executorReconnected(ctx);
      return;
    }
    if (this.#s.recovery !== "done")
      return void executorFail(ctx, requestId, 503, "Agent is recovering");
    const framework = this.#s.frameworks.get(call.framework_id.value);
    if (framework === undefined)
      return void executorFail(ctx, requestId, 400, "Framework cannot be found");
    const executor = framework.executors.get(call.executor_id.value);
    if (executor === undefined)
      return void executorFail(ctx, requestId, 400, "Executor cannot be found");
    if (executor.phase === "registering" || executor.recovered) {
      return void executorFail(ctx, requestId, 403, "Executor is not subscribed");
    }
    executorReply(ctx, requestId, { ok: true, status: 202 });
    if (call.type === "UPDATE") {
      executorUpdate(ctx, call);
    } else if (
      call.type === "MESSAGE" &&
      call.message !== undefined &&
      this.#s.connection === "registered"
    ) {
      this.#s.counts.validFrameworkMessages++;
      ctx.toMaster({
        type: "FRAMEWORK_MESSAGE",
        agent_id: { value: ctx.agentId },
        framework_message: { ...executorIds(executor), data: call.message.data },
      });
    }
  }

  #timer(ctx: Ctx, timerId: string): void {
    if (isStatusUpdateTimer(timerId)) {
      ctx.sumOutputs(this.#sum.timerFired(timerId, ctx.nowMs));
      return;
    }
    if (timerId === REGISTRATION_TIMER) {
      registrationTimer(ctx);
      return;
    }
    if (timerId === PING_TIMER) {
      pingTimeout(ctx);
      return;
    }
    if (timerId === RECOVERY_TIMER) {
      recoveryTimeout(ctx);
      return;
    }
    const colon = timerId.indexOf(":");
    const prefix = timerId.slice(0, colon);
    const executor = executorOfTimer(ctx, timerId.slice(colon + 1));
    if (executor === undefined) return;
    if (prefix === "executor_registration") registrationTimeout(ctx, executor);
    else if (prefix === "executor_shutdown") shutdownTimeout(ctx, executor);
  }
}

function executorReply(ctx: Ctx, requestId: number, reply: ExecutorReply): void {
  ctx.out.push({ kind: "executor_reply", requestId, reply });
}

function executorFail(ctx: Ctx, requestId: number, status: 400 | 403 | 503, message: string): void {
  executorReply(ctx, requestId, { ok: false, status, message });
}
