// The AgentCore's configuration, inputs, outputs, checkpoint writes and recovered state
// (reference §3, §5.5, §5.6, §8.2, §8.3). The core is pure: the agent shell turns the master
// stream, executor HTTP calls, containerizer results, timers and checkpoint completions into
// `AgentInput`s and carries out the returned `AgentOutput`s in order.
import type { z } from "zod";
import type { AgentCall, AgentEvent } from "../../wire/agent-channel.ts";
import type { ExecutorCall, ExecutorEvent } from "../../wire/executor.ts";
import type { AgentCapabilityType, AgentInfo, FrameworkInfo } from "../../wire/framework.ts";
import type { Resource } from "../../wire/resource.ts";
import type { Reason, TaskResourceLimitation } from "../../wire/status.ts";
import type { ExecutorInfo, Task, TaskInfo } from "../../wire/task.ts";
import type { RunIds, StatusUpdateRecord, StreamLocation } from "./status-update-types.ts";

export interface AgentFlags {
  /** `--executor_registration_timeout` (1 min). */
  executorRegistrationTimeoutMs: number;
  /** `--executor_reregistration_timeout` (2 s): recovered executors must re-subscribe by then. */
  executorReregistrationTimeoutMs: number;
  /** `--executor_shutdown_grace_period` (5 s); ExecutorInfo.shutdown_grace_period overrides. */
  executorShutdownGracePeriodMs: number;
  /** `--recovery_timeout` (15 min), told to checkpointing executors. */
  recoveryTimeoutMs: number;
  /** `--registration_backoff_factor` (1 s) and the retry cap (1 min). */
  registrationBackoffFactorMs: number;
  registrationBackoffMaxMs: number;
  /** Status update retries: 10 s doubling to 10 min. */
  statusUpdateRetryMinMs: number;
  statusUpdateRetryMaxMs: number;
  /** `--recover`: reconnect to live executors, or kill them all. */
  recover: "reconnect" | "cleanup";
  /** `--http_command_executor`: ours always speaks the v1 HTTP executor API. */
  httpCommandExecutor: boolean;
  /** `--max_completed_executors_per_framework` (150): history kept for /state. */
  maxCompletedExecutorsPerFramework: number;
}

export const DEFAULT_AGENT_FLAGS: AgentFlags = {
  executorRegistrationTimeoutMs: 60_000,
  executorReregistrationTimeoutMs: 2_000,
  executorShutdownGracePeriodMs: 5_000,
  recoveryTimeoutMs: 900_000,
  registrationBackoffFactorMs: 1_000,
  registrationBackoffMaxMs: 60_000,
  statusUpdateRetryMinMs: 10_000,
  statusUpdateRetryMaxMs: 600_000,
  recover: "reconnect",
  httpCommandExecutor: true,
  maxCompletedExecutorsPerFramework: 150,
};

/** Capabilities the agent reports by default (`--agent_features`, reference §8.7). */
export const DEFAULT_AGENT_CAPABILITIES: readonly AgentCapabilityType[] = [
  "MULTI_ROLE",
  "HIERARCHICAL_ROLE",
  "RESERVATION_REFINEMENT",
  "RESIZE_VOLUME",
  "AGENT_OPERATION_FEEDBACK",
  "AGENT_DRAINING",
  "TASK_RESOURCE_LIMITS",
];

export interface AgentConfig {
  /** hostname, port, resources and attributes; `id` is learnt from the master. */
  agentInfo: AgentInfo;
  /** Where the agent's HTTP server listens (MESOS_AGENT_ENDPOINT, MESOS_SLAVE_PID). */
  endpoint: { ip: string; port: number };
  workDir: string;
  flags?: Partial<AgentFlags>;
  capabilities?: readonly AgentCapabilityType[];
  /** What ExecutorInfo.command.value says for a synthesised command executor. */
  commandExecutorPath?: string;
  /** Where containers see their sandbox (filesystem/linux's mount point, MESOS_SANDBOX);
   *  unset when they see the host path. */
  sandboxMountPoint?: string | undefined;
}

/** Randomness handed in, so that a simulation replays from a seed. */
export interface AgentRandom {
  /** Uniform in [0, 1): registration backoff. */
  random(): number;
  /** 16 random bytes, base64: uuids of agent-generated status updates. */
  uuid(): string;
  /** A fresh container id (a UUID string in Mesos). */
  containerId(): string;
}

/** A parsed master event (the shell ran parseWire on the agent channel stream). */
export type MasterEvent = AgentEvent;
/** A call for the master as built by the core; the shell encodes it with encodeWire. */
export type MasterCall = z.output<typeof AgentCall>;
/** An event for an executor's stream as built by the core. */
export type ExecutorEventOut = z.output<typeof ExecutorEvent>;

export type AgentInput =
  /** First input after (re)start: what the checkpoint shell read back (undefined: nothing). */
  | { kind: "recover"; state: RecoveredAgentState | undefined }
  /** A master is known (detected, or a new leader): register or re-register with it. */
  | { kind: "master_connected" }
  /** The master stream closed. `masterKnown`: keep retrying registration with backoff. */
  | { kind: "master_disconnected"; masterKnown: boolean }
  | { kind: "master_event"; event: MasterEvent }
  /**
   * An executor call, parsed and validated (validateExecutorCall). For SUBSCRIBE `streamId`
   * names the response stream the shell opened; other calls have none.
   */
  | { kind: "executor_call"; requestId: number; streamId?: string; call: ExecutorCall }
  | { kind: "executor_stream_closed"; streamId: string }
  | { kind: "container_launched"; containerId: string }
  /** The container could not be launched; nothing of it is left running. */
  | { kind: "container_launch_failed"; containerId: string; message: string }
  /** The container's executor is gone (exited, killed, destroyed, limitation hit). */
  | {
      kind: "container_exited";
      containerId: string;
      /** Wait status as in Mesos (exit code << 8, or the signal), if known. */
      status?: number;
      /** The containerizer's reason, e.g. REASON_CONTAINER_LIMITATION_MEMORY. */
      reason?: Reason;
      message?: string;
      limitation?: TaskResourceLimitation;
    }
  | { kind: "timer_fired"; timerId: string }
  /** The resource estimator's revocable resources now (src/agent/oversubscription). */
  | { kind: "oversubscribed_resources"; resources: Resource[] }
  /** The QoS controller ends a revocable task's container. */
  | { kind: "qos_correction"; containerId: string }
  /** The checkpoint write with this token is durable. */
  | { kind: "checkpoint_written"; token: number }
  /**
   * The checkpoint write with this token failed (and the shell writes nothing after it): what
   * waited for it is never forwarded or acknowledged, and the agent takes no new work.
   */
  | { kind: "checkpoint_failed"; token: number; message: string };

export type ExecutorReply =
  | { ok: true; status: 200 | 202 }
  | { ok: false; status: 400 | 403 | 503; message: string };

/** Everything the shell needs to start an executor's container. */
export interface ContainerLaunch {
  containerId: string;
  frameworkId: string;
  executorId: string;
  executorInfo: ExecutorInfo;
  frameworkInfo: FrameworkInfo;
  /** Executor resources plus those of the tasks launched with it. */
  resources: Resource[];
  /** Host sandbox path (created by the shell). */
  directory: string;
  env: Record<string, string>;
  /** CommandInfo.user, else FrameworkInfo.user. */
  user: string;
  /** The agent synthesised this executor for a command task: run the built-in one. */
  commandExecutor: boolean;
  /** The command task (commandExecutor only), so the shell may run it as it sees fit. */
  task: TaskInfo | undefined;
  checkpoint: boolean;
}

export type AgentOutput =
  /** Open a new SUBSCRIBE stream to the master with this call (replacing any old one). */
  | { kind: "master_subscribe"; call: MasterCall }
  /** Any other call to the master (UPDATE, PONG, EXECUTOR_EXITED, FRAMEWORK_MESSAGE). */
  | { kind: "master_call"; call: MasterCall }
  | { kind: "executor_reply"; requestId: number; reply: ExecutorReply }
  | { kind: "executor_event"; streamId: string; event: ExecutorEventOut }
  | { kind: "close_executor_stream"; streamId: string }
  | { kind: "launch_container"; launch: ContainerLaunch }
  | { kind: "destroy_container"; containerId: string }
  /** Make `write` durable, then feed back `checkpoint_written` with `token`. */
  | { kind: "checkpoint"; token: number; write: CheckpointWrite }
  | { kind: "set_timer"; timerId: string; atMs: number }
  | { kind: "cancel_timer"; timerId: string }
  /** The master told the agent to shut down: containers are being destroyed; then exit. */
  | { kind: "shutdown"; message: string };

export interface ExecutorRun extends RunIds {
  agentId: string;
}

/** A checkpoint write (reference §8.2). Files are replaced atomically; records appended. */
export type CheckpointWrite =
  /** `meta/slaves/<id>/slave.info` and `meta/slaves/latest`. */
  | { type: "agent"; agentId: string; info: AgentInfo }
  /** `.../frameworks/<fw>/framework.info`. */
  | { type: "framework"; agentId: string; frameworkId: string; info: FrameworkInfo }
  /** `.../executors/<ex>/executor.info`, the run dir and `runs/latest`. */
  | ({ type: "executor"; info: ExecutorInfo } & ExecutorRun)
  /** `.../runs/<c>/tasks/<task>/task.info`. */
  | ({ type: "task"; task: Task } & ExecutorRun)
  /** Append to `.../tasks/<task>/task.updates`. */
  | { type: "status_update"; agentId: string; at: StreamLocation; record: StatusUpdateRecord }
  /** The executor's run is over and nothing of it is needed: remove its meta. */
  | ({ type: "remove_executor" } & ExecutorRun)
  /** The framework has nothing left on the agent: remove its meta. */
  | { type: "remove_framework"; agentId: string; frameworkId: string }
  /**
   * `meta/resources/resources_and_operations.state`: the complete checkpointed resources
   * (replacing the file); the shell creates the directories of new persistent volumes
   * and removes those of destroyed ones first.
   */
  | { type: "resources"; resources: Resource[] };

export interface RecoveredTask {
  task: Task;
  /** `task.updates` in write order (a torn tail already dropped). */
  records: StatusUpdateRecord[];
}

export interface RecoveredExecutor {
  info: ExecutorInfo;
  /** The latest run (`runs/latest`); older runs are finished. */
  containerId: string;
  tasks: RecoveredTask[];
}

export interface RecoveredFramework {
  info: FrameworkInfo;
  executors: RecoveredExecutor[];
}

/** What `readAgentState(workDir)` returns: everything the core needs to recover. */
export interface RecoveredAgentState {
  agentId: string;
  agentInfo: AgentInfo;
  /** The host rebooted since the checkpoint (boot id changed): no executor survived. */
  rebooted: boolean;
  frameworks: RecoveredFramework[];
  /** `meta/resources/resources_and_operations.state`, empty when absent. */
  checkpointedResources?: Resource[];
}
