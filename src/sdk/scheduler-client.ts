// `SchedulerClient`: the shell around SchedulerSession that talks to the master's v1 scheduler
// API (reference §1). It subscribes, follows 307s to the leader, retries 503s and unreachable
// masters with backoff, reads the RecordIO event stream, reconnects after a broken or silent
// stream (resubscribing with its framework id, so a master restart keeps its tasks when the
// author set `failover_timeout`), sends `Mesos-Stream-Id` on every call, and acknowledges
// updates that carry a uuid after the user's handler returned.
//
//   const client = new SchedulerClient({ master: "http://127.0.0.1:5050",
//     frameworkInfo: { user: "me", name: "demo", failover_timeout: 3600 } });
//   client.on("offers", async (offers) => { ... await client.launch([offer.id.value], tasks) });
//   client.on("update", (status) => { ... });          // acknowledged after it returns
//   const stopped = await client.start();               // until stop(), ERROR or teardown
//
// With `master: "zk://host:port,.../path"` the client follows the leading master through
// ZooKeeper (zk-leader.ts): it subscribes to whoever leads, leaves a stream to a master that no
// longer leads, and retries at once when a new leader appears instead of waiting its backoff.
import { type ClientCredential, postCall, subscribe } from "../http/client.ts";
import { SchedulerCall, SchedulerEvent, validateSchedulerEvent } from "../wire/scheduler.ts";
import type { TaskStatus } from "../wire/status.ts";
import { type ClientTlsFiles, useClientTls } from "./client-tls.ts";
import { withCredential } from "./credential.ts";
import type { OfferOperationInput, TaskInfoInput } from "./offer-matching.ts";
import { type ReconcileOptions, type ReconcileTask, Reconciliation } from "./reconcile.ts";
import type {
  FrameworkInfoInput,
  OfferFilterOptions,
  SchedulerCallInput,
} from "./scheduler-calls.ts";
import * as calls from "./scheduler-calls.ts";
import { emitPlainEvent, type SchedulerHandlers } from "./scheduler-events.ts";
import {
  type PendingAcknowledgement,
  type ReconnectAction,
  SchedulerSession,
  type SubscribeAnswer,
  schedulerEndpoint,
  subscribeAnswer,
} from "./scheduler-session.ts";
import { SchedulerTimers } from "./scheduler-timers.ts";
import { abortableSleep, NO_LOG, type SdkLogger } from "./shell-util.ts";
import { type Stopped, StreamClient } from "./stream-client.ts";
import { type SdkMediaType, wireCodec } from "./wire-codec.ts";
import { masterSources, ZkLeader } from "./zk-leader.ts";

/** A SUBSCRIBE that got no answer in this long is abandoned and retried. */
export const SUBSCRIBE_ANSWER_TIMEOUT_MS = 30_000;

export interface SchedulerClientOptions {
  /**
   * One master URL or several (tried in turn); 307s lead from any of them to the leader. Or a
   * `zk://host:port[,...]/path` URL: the leader is found and followed through ZooKeeper.
   */
  readonly master: string | readonly string[];
  readonly frameworkInfo: FrameworkInfoInput;
  /** Resume an existing framework (a restarted scheduler that stored its id). */
  readonly frameworkId?: string;
  readonly suppressedRoles?: readonly string[];
  /** Acknowledge updates once the `update` handlers returned (default true). */
  readonly autoAcknowledge?: boolean;
  /** Run the recommended reconciliation after each (re)subscription over these tasks. */
  readonly reconcile?: ReconcileOptions & { readonly tasks: () => readonly ReconcileTask[] };
  /** Extra headers on every request (e.g. `Authorization`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Calls, answers and events as JSON (default) or `application/x-protobuf`. */
  readonly mediaType?: SdkMediaType;
  /**
   * The principal and secret to authenticate with (HTTP Basic on every call); its principal is
   * FrameworkInfo.principal unless that is set. Default: TESSERA_PRINCIPAL and TESSERA_SECRET
   * from the environment, when both are set.
   */
  readonly credential?: ClientCredential;
  readonly logger?: SdkLogger;
  readonly missedHeartbeatsMax?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly seed?: number;
  /**
   * CA and client certificate for an https master (else TESSERA_CA_FILE, TESSERA_CERT_FILE,
   * TESSERA_KEY_FILE and LIBPROCESS_SSL_*). The HTTP client is process-wide, as libprocess's
   * TLS is: this sets it for the whole process.
   */
  readonly tls?: ClientTlsFiles;
}

/** The result of a call: expected failures are values with a stable code. */
export type CallResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: "NOT_SUBSCRIBED" | "REJECTED" | "UNREACHABLE";
      readonly status?: number;
      readonly message: string;
    };

type StopCode = "ERROR_EVENT" | "SUBSCRIBE_REJECTED" | "TORN_DOWN";
export type ClientStopped = Stopped<StopCode>;

export class SchedulerClient extends StreamClient<SchedulerHandlers, StopCode> {
  private readonly options: SchedulerClientOptions;
  private readonly session: SchedulerSession;
  protected readonly log: SdkLogger;
  private readonly reconciliation: Reconciliation | undefined;
  private readonly timers: SchedulerTimers;
  /** The zk:// URL to follow, or undefined for plain master URLs. */
  private readonly zkMaster: string | undefined;
  /** Set when a new leader appeared: the next attempt goes out without waiting its backoff. */
  private leaderMoved = false;
  private cutSleep: AbortController | undefined;
  private cutSubscribe: (() => void) | undefined;
  private readonly codec: ReturnType<typeof wireCodec<typeof SchedulerCall, typeof SchedulerEvent>>;

  constructor(given: SchedulerClientOptions) {
    super();
    const options = withCredential(given);
    this.options = options;
    if (options.tls !== undefined) useClientTls(options.tls);
    this.codec = wireCodec(SchedulerCall, SchedulerEvent, options.mediaType);
    const { masters, zkMaster } = masterSources(options.master);
    this.zkMaster = zkMaster;
    const { frameworkId, missedHeartbeatsMax, backoffInitialMs, backoffMaxMs, seed } = options;
    this.session = new SchedulerSession({
      masters,
      ...definedOnly({ frameworkId, missedHeartbeatsMax, backoffInitialMs, backoffMaxMs, seed }),
    });
    this.log = options.logger ?? NO_LOG;
    this.reconciliation = options.reconcile ? new Reconciliation(options.reconcile) : undefined;
    this.timers = new SchedulerTimers(this.reconciliation, (tasks) => void this.reconcile(tasks));
    this.handlers.onHandlerError = (kind, error) =>
      this.log.error({ kind, error: String(error) }, "an event handler threw");
  }

  get frameworkId(): string | undefined {
    return this.session.frameworkId;
  }
  get phase() {
    return this.session.phase;
  }
  /** The scheduler endpoint of the master in use (the leader after a redirect). */
  get endpoint(): string {
    return this.session.endpoint;
  }

  // --- calls ------------------------------------------------------------------------------

  accept(
    offerIds: readonly string[],
    operations: readonly OfferOperationInput[],
    filters?: OfferFilterOptions,
  ) {
    return this.send(calls.acceptCall(offerIds, operations, filters));
  }
  /** ACCEPT with one LAUNCH of `tasks` (offers must all be from one agent). */
  launch(
    offerIds: readonly string[],
    tasks: readonly TaskInfoInput[],
    filters?: OfferFilterOptions,
  ) {
    return this.send(calls.launchCall(offerIds, tasks, filters));
  }
  decline(offerIds: readonly string[], filters?: OfferFilterOptions) {
    return this.send(calls.declineCall(offerIds, filters));
  }
  /** Answers maintenance inverse offers (the `inverseOffers` handler's ids); advisory only. */
  acceptInverseOffers(inverseOfferIds: readonly string[], filters?: OfferFilterOptions) {
    return this.send(calls.inverseOffersCall("ACCEPT", inverseOfferIds, filters));
  }
  declineInverseOffers(inverseOfferIds: readonly string[], filters?: OfferFilterOptions) {
    return this.send(calls.inverseOffersCall("DECLINE", inverseOfferIds, filters));
  }
  revive(roles?: readonly string[]) {
    return this.send(calls.reviveCall(roles));
  }
  suppress(roles?: readonly string[]) {
    return this.send(calls.suppressCall(roles));
  }
  kill(taskId: string, agentId?: string, gracePeriodMs?: number) {
    return this.send(calls.killCall(taskId, agentId, gracePeriodMs));
  }
  shutdown(executorId: string, agentId: string) {
    return this.send(calls.shutdownCall(executorId, agentId));
  }
  /** Explicit reconciliation of `tasks`, or implicit (every task) for an empty list. */
  reconcile(tasks: readonly ReconcileTask[] = []) {
    return this.send(calls.reconcileCall(tasks));
  }
  message(agentId: string, executorId: string, data: Uint8Array | string) {
    return this.send(calls.messageCall(agentId, executorId, data));
  }
  updateFramework(frameworkInfo: FrameworkInfoInput, suppressedRoles?: readonly string[]) {
    const id = this.session.frameworkId;
    if (id === undefined) return Promise.resolve(notSubscribed);
    return this.send(calls.updateFrameworkCall(frameworkInfo, id, suppressedRoles));
  }
  /** Removes the framework from the cluster (all its tasks are killed), then stops. */
  async teardown(): Promise<CallResult> {
    const result = await this.send(calls.teardownCall());
    if (result.ok) this.finish({ code: "TORN_DOWN", message: "the framework was torn down" });
    return result;
  }

  /**
   * Acknowledges an update (only those with a uuid need it). With auto-acknowledgement on, the
   * client does this itself; an acknowledgement that could not be sent is retried after the
   * next subscription (duplicates are ignored by the agent, reference §1.5).
   */
  async acknowledge(status: TaskStatus): Promise<CallResult> {
    if (status.agent_id === undefined || status.uuid === undefined) return { ok: true };
    const ack = { agentId: status.agent_id.value, taskId: status.task_id.value, uuid: status.uuid };
    this.session.owe(ack);
    return this.sendAcknowledgement(ack);
  }

  /** An owed acknowledgement is settled once sent, or refused (retrying would not help). */
  private async sendAcknowledgement(ack: PendingAcknowledgement): Promise<CallResult> {
    const result = await this.send({
      type: "ACKNOWLEDGE",
      acknowledge: {
        agent_id: { value: ack.agentId },
        task_id: { value: ack.taskId },
        uuid: ack.uuid,
      },
    });
    if (result.ok || result.code === "REJECTED") this.session.acknowledged(ack);
    return result;
  }

  /** Sends any call; `framework_id` is filled in. */
  async send(call: SchedulerCallInput): Promise<CallResult> {
    const frameworkId = this.session.frameworkId;
    const streamId = this.session.streamId;
    if (this.session.phase !== "subscribed" || frameworkId === undefined) return notSubscribed;
    const body = this.codec.encodeCall({ ...call, framework_id: { value: frameworkId } });
    const headers: Record<string, string> = { ...this.options.headers };
    if (streamId !== undefined) headers["Mesos-Stream-Id"] = streamId;
    try {
      const res = await postCall(this.session.endpoint, body, {
        headers,
        mediaType: this.codec.mediaType,
      });
      if (res.status === 202 || res.status === 200) return { ok: true };
      this.log.warn({ call: call.type, status: res.status, body: res.body }, "call refused");
      return { ok: false, code: "REJECTED", status: res.status, message: res.body };
    } catch (error) {
      return { ok: false, code: "UNREACHABLE", message: String(error) };
    }
  }

  // --- the connection loop ----------------------------------------------------------------

  /** Connects and keeps connected (the framework stays registered after stop()). */
  protected async run(): Promise<ClientStopped> {
    const signal = this.lifetime.signal;
    const zk = this.zkMaster === undefined ? undefined : new ZkLeader(this.zkMaster);
    const offLeader = zk?.onChange((url) => {
      if (url === undefined || schedulerEndpoint(url) === this.session.endpoint) return;
      // A new leader: leave the old one's stream and stop waiting out a backoff.
      this.log.info({ leader: url }, "a new leading master was detected");
      this.leaderMoved = true;
      this.session.leaderChanged();
      this.cutSleep?.abort();
      this.cutSubscribe?.();
      this.closeStream?.();
    });
    try {
      await this.loop(signal, zk);
    } finally {
      offLeader?.();
      await zk?.close();
    }
    this.timers.clear();
    return this.stopReason ?? { code: "STOPPED", message: "stopped" };
  }

  private async loop(signal: AbortSignal, zk: ZkLeader | undefined): Promise<void> {
    while (this.stopReason === undefined) {
      if (zk !== undefined && !this.session.knowsLeader) {
        const url = await zk.next(undefined, signal);
        if (url === undefined) break; // stopped while no leader was known
        this.session.followLeader(url);
      }
      this.leaderMoved = false;
      this.session.beginSubscribe();
      const action = await this.subscribeOnce();
      if (action.kind === "give_up") {
        this.finish({ code: "SUBSCRIBE_REJECTED", message: action.message });
        break;
      }
      const delayMs = this.leaderMoved ? 0 : action.delayMs;
      if (delayMs > 0) {
        this.log.info({ delayMs, reason: action.reason }, "reconnecting");
      }
      this.cutSleep = new AbortController();
      await abortableSleep(delayMs, AbortSignal.any([signal, this.cutSleep.signal]));
      this.cutSleep = undefined;
    }
  }

  /** One SUBSCRIBE and, when it opens, the whole life of its stream. */
  private async subscribeOnce(): Promise<ReconnectAction> {
    const call = calls.subscribeCall(
      this.options.frameworkInfo,
      this.session.frameworkId,
      this.options.suppressedRoles,
    );
    const abort = new AbortController();
    this.cutSubscribe = () => abort.abort();
    const timer = setTimeout(() => abort.abort(), SUBSCRIBE_ANSWER_TIMEOUT_MS);
    const signal = AbortSignal.any([abort.signal, this.lifetime.signal]);
    let answer: SubscribeAnswer;
    let sub: Awaited<ReturnType<typeof subscribe>> | undefined;
    try {
      sub = await subscribe(this.session.endpoint, this.codec.encodeCall(call), {
        signal,
        mediaType: this.codec.mediaType,
        ...(this.codec.decodeRecord === undefined ? {} : { decodeRecord: this.codec.decodeRecord }),
        ...(this.options.headers ? { headers: { ...this.options.headers } } : {}),
      });
      answer = subscribeAnswer(sub);
    } catch (error) {
      answer = { kind: "unreachable", message: String(error) };
    } finally {
      clearTimeout(timer);
      this.cutSubscribe = undefined;
    }
    const action = this.session.onSubscribeAnswer(answer);
    if (action.kind !== "read_stream") return action;
    if (sub === undefined || !sub.ok) throw new Error("bug: a stream answer without a stream");
    this.closeStream = () => sub.close();
    const reason = await this.readStream(sub.events);
    this.closeStream = undefined;
    sub.close();
    this.timers.clear();
    this.reconciliation?.pause();
    if (this.stopReason !== undefined)
      return { kind: "give_up", code: "SUBSCRIBE_REJECTED", message: reason };
    const next = this.session.onDisconnected(reason);
    this.log.warn({ reason }, "disconnected from the master");
    await this.handlers.emit("disconnected", reason);
    return next;
  }

  /** Reads events until the stream ends; returns why it ended. */
  private async readStream(events: AsyncIterable<unknown>): Promise<string> {
    // The open stream counts as a sign of life until SUBSCRIBED sets the real interval.
    this.session.onEvent(Date.now());
    this.armWatchdog();
    return this.readEvents(events, {
      parse: (raw) => this.codec.parseEvent(raw),
      validate: validateSchedulerEvent,
      onRaw: () => {
        this.session.onEvent(Date.now());
        this.armWatchdog();
      },
      deliver: (event) => this.dispatch(event),
      endedBecause: () =>
        this.session.heartbeatExpired(Date.now()) ? "missed heartbeats" : "the stream ended",
    });
  }

  private async dispatch(event: SchedulerEvent): Promise<unknown> {
    switch (event.type) {
      case "SUBSCRIBED": {
        const s = event.subscribed!;
        const { resubscribed } = this.session.onSubscribed(
          s.framework_id.value,
          s.heartbeat_interval_seconds,
          Date.now(),
        );
        this.log.info({ frameworkId: s.framework_id.value, resubscribed }, "subscribed");
        for (const ack of this.session.pendingAcknowledgements) {
          void this.sendAcknowledgement(ack);
        }
        if (this.options.reconcile) this.timers.startReconciliation(this.options.reconcile.tasks());
        await this.handlers.emit("subscribed", {
          frameworkId: s.framework_id.value,
          resubscribed,
          ...(s.master_info ? { masterInfo: s.master_info } : {}),
        });
        return;
      }
      case "UPDATE": {
        const status = event.update!.status;
        this.reconciliation?.onUpdate(status.task_id.value);
        const handled = await this.handlers.emit("update", status);
        if (handled && this.options.autoAcknowledge !== false) await this.acknowledge(status);
        return;
      }
      case "ERROR": {
        // Mesos ends the stream after ERROR (e.g. "Framework has been removed", or another
        // scheduler failed over this framework): reconnecting would not help.
        const message = event.error!.message;
        this.log.error({ message }, "the master sent ERROR");
        this.finish({ code: "ERROR_EVENT", message });
        await this.handlers.emit("error", message);
        return;
      }
      default:
        return emitPlainEvent(event, this.handlers);
    }
  }

  // A stream that stays silent past the heartbeat deadline is closed, which ends readStream.
  private armWatchdog(): void {
    this.timers.armWatchdog(this.session.heartbeatDeadlineMs, () => this.closeStream?.());
  }

  protected onFinish(): void {
    this.session.stop();
    this.timers.clear();
  }
}

const notSubscribed: CallResult = {
  ok: false,
  code: "NOT_SUBSCRIBED",
  message: "the client is not subscribed to a master",
};

/** The entries of `values` that are not undefined (options passed on only when given). */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
