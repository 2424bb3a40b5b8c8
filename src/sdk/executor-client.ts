// `ExecutorClient`: a custom executor's side of the agent's v1 executor API (reference §3). It
// reads the executor environment, subscribes to /api/v1/executor, delivers LAUNCH /
// LAUNCH_GROUP / KILL / ACKNOWLEDGED / MESSAGE / SHUTDOWN to handlers, sends status updates
// with fresh uuids and keeps them until the agent acknowledged them, and after a broken stream
// resubscribes (with the unacknowledged tasks and updates) within the recovery timeout when
// the framework checkpoints; otherwise it stops, as Mesos executors exit.
//
//   const executor = new ExecutorClient();              // reads process.env
//   executor.on("launch", async (task) => { await executor.sendUpdate({ taskId: ..., state: "TASK_RUNNING" }); });
//   await executor.start();                              // until SHUTDOWN or the agent is gone
import { randomUuidBase64 } from "../base/uuid.ts";
import { postCall, subscribe } from "../http/client.ts";
import { ExecutorCall, ExecutorEvent, validateExecutorEvent } from "../wire/executor.ts";
import type { AgentInfo, FrameworkInfo } from "../wire/framework.ts";
import type { ContainerID } from "../wire/ids.ts";
import type { encodeWire } from "../wire/json.ts";
import type { Reason, TaskState } from "../wire/status.ts";
import type { ExecutorInfo, KillPolicy, TaskGroupInfo, TaskInfo } from "../wire/task.ts";
import { Backoff } from "./backoff.ts";
import { type ExecutorEnv, readExecutorEnv } from "./executor-env.ts";
import { ExecutorSession, type TaskStatusInput } from "./executor-session.ts";
import { abortableSleep, NO_LOG, type SdkLogger } from "./shell-util.ts";
import { type Stopped, StreamClient } from "./stream-client.ts";
import { type SdkMediaType, wireCodec } from "./wire-codec.ts";

/** Mesos's default `--executor_reregistration_timeout`, the backoff cap when none is given. */
export const DEFAULT_SUBSCRIPTION_BACKOFF_MAX_MS = 2_000;

type Handler<A> = (arg: A) => void | Promise<void>;

export type ExecutorHandlers = {
  subscribed: Handler<{
    executorInfo: ExecutorInfo;
    frameworkInfo: FrameworkInfo;
    agentInfo: AgentInfo;
    containerId?: ContainerID;
  }>;
  launch: Handler<TaskInfo>;
  launchGroup: Handler<TaskGroupInfo>;
  kill: Handler<{ taskId: string; killPolicy?: KillPolicy }>;
  /** The agent holds the update now (not: the scheduler acknowledged it). */
  acknowledged: Handler<{ taskId: string; uuid: string }>;
  message: Handler<Buffer>;
  /** Kill every task and exit within the shutdown grace period. */
  shutdown: Handler<undefined>;
  error: Handler<string>;
  disconnected: Handler<string>;
};

export interface ExecutorClientOptions {
  /** The environment to read (default `process.env`), or one already read. */
  readonly env?: Readonly<Record<string, string | undefined>> | ExecutorEnv;
  readonly logger?: SdkLogger;
  readonly seed?: number;
  /** Calls, answers and events as JSON (default) or `application/x-protobuf`. */
  readonly mediaType?: SdkMediaType;
}

/** What a status update says; ids, uuid, source and timestamp are filled in. */
export interface ExecutorUpdate {
  readonly taskId: string;
  readonly state: TaskState;
  readonly message?: string;
  readonly reason?: Reason;
  readonly healthy?: boolean;
  readonly data?: Uint8Array | string;
}

export type ExecutorStopped = Stopped<"SHUTDOWN" | "AGENT_GONE" | "SUBSCRIBE_REJECTED">;

export class ExecutorClient extends StreamClient<
  ExecutorHandlers,
  "SHUTDOWN" | "AGENT_GONE" | "SUBSCRIBE_REJECTED"
> {
  readonly env: ExecutorEnv;
  private readonly session: ExecutorSession;
  protected readonly log: SdkLogger;
  private readonly backoff: Backoff;
  private connected = false;
  private readonly codec: ReturnType<typeof wireCodec<typeof ExecutorCall, typeof ExecutorEvent>>;

  constructor(options: ExecutorClientOptions = {}) {
    super();
    this.codec = wireCodec(ExecutorCall, ExecutorEvent, options.mediaType);
    const env = options.env ?? process.env;
    if ("agentUrl" in env && typeof env.agentUrl === "string") {
      this.env = env as ExecutorEnv;
    } else {
      const read = readExecutorEnv(env as Record<string, string | undefined>);
      // A custom executor started outside an agent cannot do anything useful.
      if (!read.ok) throw new Error(read.message);
      this.env = read.value;
    }
    this.session = new ExecutorSession({
      frameworkId: this.env.frameworkId,
      executorId: this.env.executorId,
      checkpoint: this.env.checkpoint,
      recoveryTimeoutMs: this.env.recoveryTimeoutMs,
    });
    const maxMs = this.env.subscriptionBackoffMaxMs ?? DEFAULT_SUBSCRIPTION_BACKOFF_MAX_MS;
    this.backoff = new Backoff({
      initialMs: Math.min(250, maxMs),
      maxMs,
      seed: options.seed ?? 1,
    });
    this.log = options.logger ?? NO_LOG;
    this.handlers.onHandlerError = (kind, error) =>
      this.log.error({ kind, error: String(error) }, "an executor handler threw");
  }

  get unacknowledgedUpdates(): readonly TaskStatusInput[] {
    return this.session.unacknowledgedUpdates;
  }

  /**
   * Sends a status update; it is kept and resent on resubscription until ACKNOWLEDGED. Returns
   * the uuid, and whether the agent took the POST now (false while disconnected: it goes out
   * with the next SUBSCRIBE).
   */
  async sendUpdate(update: ExecutorUpdate): Promise<{ uuid: string; sent: boolean }> {
    const uuid = randomUuidBase64();
    const status: TaskStatusInput & { uuid: string } = {
      task_id: { value: update.taskId },
      state: update.state,
      source: "SOURCE_EXECUTOR",
      executor_id: { value: this.env.executorId },
      timestamp: Date.now() / 1000,
      uuid,
      ...(update.message !== undefined ? { message: update.message } : {}),
      ...(update.reason !== undefined ? { reason: update.reason } : {}),
      ...(update.healthy !== undefined ? { healthy: update.healthy } : {}),
      ...(update.data !== undefined ? { data: Buffer.from(update.data).toString("base64") } : {}),
    };
    this.session.onUpdateSent(status);
    const sent = await this.post({
      ...this.session.envelope(),
      type: "UPDATE",
      update: { status },
    });
    return { uuid, sent };
  }

  /** A best-effort message to the scheduler (MESSAGE event there). */
  sendMessage(data: Uint8Array | string): Promise<boolean> {
    return this.post({
      ...this.session.envelope(),
      type: "MESSAGE",
      message: { data: Buffer.from(data).toString("base64") },
    });
  }

  private async post(
    call: Parameters<typeof encodeWire<typeof ExecutorCall>>[1],
  ): Promise<boolean> {
    if (!this.connected) return false;
    try {
      const res = await postCall(this.env.agentUrl, this.codec.encodeCall(call), {
        headers: this.authHeaders(),
        mediaType: this.codec.mediaType,
      });
      if (res.status === 202) return true;
      this.log.warn({ call: call.type, status: res.status, body: res.body }, "call refused");
      return false;
    } catch (error) {
      this.log.warn({ call: call.type, error: String(error) }, "call failed");
      return false;
    }
  }

  private authHeaders(): Record<string, string> {
    const token = this.env.authenticationToken;
    return token === undefined ? {} : { Authorization: `Bearer ${token}` };
  }

  /** Subscribes and stays subscribed; resolves (through start()) when the executor should exit. */
  protected async run(): Promise<ExecutorStopped> {
    while (this.stopReason === undefined) {
      const reason = await this.subscribeOnce();
      this.connected = false;
      this.closeStream = undefined;
      if (this.stopReason !== undefined) break;
      await this.handlers.emit("disconnected", reason);
      if (!this.session.onDisconnected(Date.now())) {
        this.finish({ code: "AGENT_GONE", message: `gave up reconnecting: ${reason}` });
        break;
      }
      await abortableSleep(this.backoff.next(), this.lifetime.signal);
    }
    return this.stopReason ?? { code: "STOPPED", message: "stopped" };
  }

  /** One SUBSCRIBE and its stream; returns why it ended. */
  private async subscribeOnce(): Promise<string> {
    let sub: Awaited<ReturnType<typeof subscribe>>;
    try {
      sub = await subscribe(
        this.env.agentUrl,
        this.codec.encodeCall(this.session.subscribeCall()),
        {
          signal: this.lifetime.signal,
          headers: this.authHeaders(),
          mediaType: this.codec.mediaType,
          ...(this.codec.decodeRecord === undefined
            ? {}
            : { decodeRecord: this.codec.decodeRecord }),
        },
      );
    } catch (error) {
      return `agent unreachable: ${String(error)}`;
    }
    if (!sub.ok) {
      const { status, body } = sub.response;
      // 503: the agent is still recovering; anything else in 4xx will not change by retrying.
      if (status >= 400 && status < 500) {
        this.finish({
          code: "SUBSCRIBE_REJECTED",
          message: `SUBSCRIBE answered ${status}: ${body}`,
        });
      }
      return `SUBSCRIBE answered ${status}: ${body}`;
    }
    const opened = sub;
    this.closeStream = () => opened.close();
    try {
      return await this.readEvents(opened.events, {
        parse: (raw) => this.codec.parseEvent(raw),
        validate: validateExecutorEvent,
        deliver: (event) => this.dispatch(event),
        endedBecause: () => "the stream ended",
      });
    } finally {
      opened.close();
    }
  }

  private async dispatch(event: ExecutorEvent): Promise<unknown> {
    switch (event.type) {
      case "SUBSCRIBED": {
        const s = event.subscribed!;
        this.connected = true;
        this.session.onSubscribed();
        this.backoff.reset();
        return this.handlers.emit("subscribed", {
          executorInfo: s.executor_info,
          frameworkInfo: s.framework_info,
          agentInfo: s.agent_info,
          ...(s.container_id ? { containerId: s.container_id } : {}),
        });
      }
      case "LAUNCH":
        this.session.onLaunch(event.launch!.task);
        return this.handlers.emit("launch", event.launch!.task);
      case "LAUNCH_GROUP":
        for (const task of event.launch_group!.task_group.tasks ?? []) this.session.onLaunch(task);
        return this.handlers.emit("launchGroup", event.launch_group!.task_group);
      case "KILL": {
        const k = event.kill!;
        return this.handlers.emit("kill", {
          taskId: k.task_id.value,
          ...(k.kill_policy ? { killPolicy: k.kill_policy } : {}),
        });
      }
      case "ACKNOWLEDGED": {
        const a = event.acknowledged!;
        this.session.onAcknowledged(a.task_id.value, a.uuid);
        return this.handlers.emit("acknowledged", { taskId: a.task_id.value, uuid: a.uuid });
      }
      case "MESSAGE":
        return this.handlers.emit("message", Buffer.from(event.message!.data, "base64"));
      case "ERROR":
        return this.handlers.emit("error", event.error!.message);
      case "SHUTDOWN":
        // The handler kills the tasks and sends their last updates while still connected.
        await this.handlers.emit("shutdown", undefined);
        this.finish({ code: "SHUTDOWN", message: "the agent asked the executor to shut down" });
        return;
      default:
        return;
    }
  }

  protected onFinish(): void {
    this.connected = false;
  }
}
