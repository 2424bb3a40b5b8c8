// The pure state of one scheduler's connection to the master (reference §1.1): where the leader
// is, whether we are subscribed, the framework and stream ids, heartbeat liveness, reconnect
// backoff and the acknowledgements still owed. It takes answers and the time and returns what
// the shell (scheduler-client.ts) should do next; it never does I/O and never reads a clock.

import { assert } from "../base/assert.ts";
import type { SubscribeRefused } from "../http/client.ts";
import { SCHEDULER_HEARTBEAT_INTERVAL_SECONDS } from "../wire/scheduler.ts";
import { Backoff } from "./backoff.ts";

export type SessionPhase = "disconnected" | "subscribing" | "subscribed" | "stopped";

/** A 307 chain longer than this without reaching a leader is treated like "no leader yet". */
export const MAX_REDIRECTS_IN_A_ROW = 5;
/** Acknowledgements owed at most; beyond it the oldest is forgotten (the agent resends it). */
export const MAX_PENDING_ACKNOWLEDGEMENTS = 10_000;

export interface SchedulerSessionOptions {
  /**
   * Master URLs to try, in order, until one answers (a base URL or the endpoint itself). Empty
   * when the shell names the leader itself through `followLeader` (a zk:// master).
   */
  readonly masters: readonly string[];
  /** Heartbeats that may be missed before the connection is deemed dead (Mesos sends one every 15 s). */
  readonly missedHeartbeatsMax?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly seed?: number;
  /** A framework id to resubscribe with from the start (a restarted scheduler). */
  readonly frameworkId?: string;
}

/** What came back from a SUBSCRIBE POST, as the shell saw it. */
export type SubscribeAnswer =
  | { readonly kind: "stream"; readonly streamId: string | undefined }
  | { readonly kind: "redirect"; readonly location: string }
  | { readonly kind: "unavailable"; readonly message: string }
  | { readonly kind: "unreachable"; readonly message: string }
  | { readonly kind: "rejected"; readonly status: number; readonly message: string };

export type SessionAction =
  | { readonly kind: "read_stream" }
  | { readonly kind: "retry"; readonly delayMs: number; readonly reason: string }
  | { readonly kind: "give_up"; readonly code: "SUBSCRIBE_REJECTED"; readonly message: string };

/** What to do after a failed attempt or a lost stream. */
export type ReconnectAction = Exclude<SessionAction, { kind: "read_stream" }>;

export interface PendingAcknowledgement {
  readonly agentId: string;
  readonly taskId: string;
  /** The status update's uuid, base64 as on the wire. */
  readonly uuid: string;
}

/** `http://m:5050` or `http://m:5050/master` -> the scheduler endpoint under it. */
export function schedulerEndpoint(master: string): string {
  const url = new URL(master);
  if (!url.pathname.endsWith("/api/v1/scheduler")) {
    url.pathname = `${url.pathname.replace(/\/+$/, "")}/api/v1/scheduler`;
  }
  return url.toString();
}

export class SchedulerSession {
  private currentPhase: SessionPhase = "disconnected";
  private readonly candidates: readonly string[];
  private candidateIndex = 0;
  /** Where the last 307 pointed; forgotten when it stops answering. */
  private leaderUrl: string | undefined;
  private redirectsInARow = 0;
  private currentFrameworkId: string | undefined;
  private currentStreamId: string | undefined;
  private heartbeatIntervalMs = SCHEDULER_HEARTBEAT_INTERVAL_SECONDS * 1000;
  private lastEventAtMs = 0;
  private readonly missedHeartbeatsMax: number;
  private readonly backoff: Backoff;
  private subscriptions = 0;
  private readonly acks = new Map<string, PendingAcknowledgement>();

  constructor(options: SchedulerSessionOptions) {
    this.candidates = options.masters.map(schedulerEndpoint);
    this.missedHeartbeatsMax = options.missedHeartbeatsMax ?? 2;
    assert(this.missedHeartbeatsMax >= 0, "SchedulerSession: missedHeartbeatsMax must be >= 0");
    this.backoff = new Backoff({
      initialMs: options.backoffInitialMs ?? 500,
      maxMs: options.backoffMaxMs ?? 30_000,
      seed: options.seed ?? 1,
    });
    this.currentFrameworkId = options.frameworkId;
  }

  get phase(): SessionPhase {
    return this.currentPhase;
  }
  get frameworkId(): string | undefined {
    return this.currentFrameworkId;
  }
  get streamId(): string | undefined {
    return this.currentStreamId;
  }
  /** The endpoint calls go to: the leader we were redirected to, else the current candidate. */
  get endpoint(): string {
    return this.leaderUrl ?? this.candidates[this.candidateIndex] ?? "";
  }
  /** Whether a leader is known (redirected to, or named by `followLeader`). */
  get knowsLeader(): boolean {
    return this.leaderUrl !== undefined;
  }

  /** A new leader was detected: earlier failures say nothing about it, so start backoff over. */
  leaderChanged(): void {
    this.backoff.reset();
  }

  /** The shell's detector names the leading master (its base URL): subscribe there next. */
  followLeader(masterUrl: string): void {
    this.leaderUrl = schedulerEndpoint(masterUrl);
    this.redirectsInARow = 0;
  }
  /** How many SUBSCRIBED events this session has seen. */
  get subscriptionCount(): number {
    return this.subscriptions;
  }
  /** When the connection is deemed dead if nothing arrives before. */
  get heartbeatDeadlineMs(): number {
    return this.lastEventAtMs + this.heartbeatIntervalMs * (this.missedHeartbeatsMax + 1);
  }

  /** Starts a SUBSCRIBE attempt; the shell POSTs to `endpoint`. */
  beginSubscribe(): void {
    assert(this.currentPhase === "disconnected", `cannot subscribe while ${this.currentPhase}`);
    this.currentPhase = "subscribing";
    this.currentStreamId = undefined;
  }

  /** The answer to a SUBSCRIBE POST (reference §1.1 for the codes). */
  onSubscribeAnswer(answer: SubscribeAnswer): SessionAction {
    if (this.currentPhase === "stopped") return { kind: "give_up", ...stoppedFailure };
    assert(this.currentPhase === "subscribing", `subscribe answer while ${this.currentPhase}`);
    switch (answer.kind) {
      case "stream":
        // SUBSCRIBED follows as the first record; until then we are still subscribing.
        this.currentStreamId = answer.streamId;
        return { kind: "read_stream" };
      case "redirect": {
        this.currentPhase = "disconnected";
        // Mesos answers `Location: //host:port/path` (protocol-relative): keep our scheme.
        this.leaderUrl = new URL(answer.location, this.endpoint).toString();
        this.redirectsInARow += 1;
        if (this.redirectsInARow <= MAX_REDIRECTS_IN_A_ROW) {
          return { kind: "retry", delayMs: 0, reason: `redirected to ${this.leaderUrl}` };
        }
        this.redirectsInARow = 0;
        this.leaderUrl = undefined;
        return this.retry("too many redirects in a row");
      }
      case "unavailable":
        // 503: no leader elected yet, or the master is still recovering its registry.
        this.currentPhase = "disconnected";
        return this.retry(answer.message);
      case "unreachable":
        // Forget the leader we were sent to and move on to the next configured master.
        this.currentPhase = "disconnected";
        this.forgetLeader();
        return this.retry(answer.message);
      case "rejected":
        this.currentPhase = "stopped";
        return {
          kind: "give_up",
          code: "SUBSCRIBE_REJECTED",
          message: `SUBSCRIBE answered ${answer.status}: ${answer.message}`,
        };
    }
  }

  /** The SUBSCRIBED event. Returns true when this is a resubscription. */
  onSubscribed(frameworkId: string, heartbeatIntervalSeconds: number | undefined, nowMs: number) {
    assert(this.currentPhase === "subscribing", `SUBSCRIBED while ${this.currentPhase}`);
    assert(
      this.currentFrameworkId === undefined || this.currentFrameworkId === frameworkId,
      `master answered framework id ${frameworkId}, we subscribed as ${this.currentFrameworkId}`,
    );
    const resubscribed = this.subscriptions > 0 || this.currentFrameworkId !== undefined;
    this.currentFrameworkId = frameworkId;
    this.currentPhase = "subscribed";
    this.subscriptions += 1;
    this.redirectsInARow = 0;
    this.backoff.reset();
    if (heartbeatIntervalSeconds !== undefined && heartbeatIntervalSeconds > 0) {
      this.heartbeatIntervalMs = heartbeatIntervalSeconds * 1000;
    }
    this.lastEventAtMs = nowMs;
    return { resubscribed };
  }

  /** Any record on the stream proves the connection alive, not only HEARTBEAT. */
  onEvent(nowMs: number): void {
    this.lastEventAtMs = nowMs;
  }

  /** True once more than `missedHeartbeatsMax` heartbeats failed to arrive. */
  heartbeatExpired(nowMs: number): boolean {
    return this.currentPhase === "subscribed" && nowMs >= this.heartbeatDeadlineMs;
  }

  /** The stream ended, broke or went silent. Returns when to try again. */
  onDisconnected(reason: string): ReconnectAction {
    if (this.currentPhase === "stopped") return { kind: "give_up", ...stoppedFailure };
    this.currentPhase = "disconnected";
    this.currentStreamId = undefined;
    // The leader may have lost leadership: start again from the configured master, which
    // redirects us to the new one (a master restarting on the same address answers itself).
    this.leaderUrl = undefined;
    this.redirectsInARow = 0;
    return this.retry(reason);
  }

  /** An ERROR event or `stop()`: no more reconnects. */
  stop(): void {
    this.currentPhase = "stopped";
    this.currentStreamId = undefined;
  }

  // --- acknowledgements owed --------------------------------------------------------------

  /** Remembers an acknowledgement to send (or resend after a reconnect). */
  owe(ack: PendingAcknowledgement): void {
    const key = ackKey(ack);
    if (this.acks.has(key)) return;
    if (this.acks.size >= MAX_PENDING_ACKNOWLEDGEMENTS) {
      const oldest = this.acks.keys().next().value as string;
      this.acks.delete(oldest);
    }
    this.acks.set(key, ack);
  }

  /** The master took it (202). */
  acknowledged(ack: PendingAcknowledgement): void {
    this.acks.delete(ackKey(ack));
  }

  get pendingAcknowledgements(): readonly PendingAcknowledgement[] {
    return [...this.acks.values()];
  }

  /** Nobody answered at `endpoint`: drop the redirect target, or move to the next master. */
  private forgetLeader(): void {
    if (this.leaderUrl === undefined && this.candidates.length > 0) {
      this.candidateIndex = (this.candidateIndex + 1) % this.candidates.length;
    }
    this.leaderUrl = undefined;
    this.redirectsInARow = 0;
  }

  private retry(reason: string): ReconnectAction {
    return { kind: "retry", delayMs: this.backoff.next(), reason };
  }
}

const stoppedFailure = {
  code: "SUBSCRIBE_REJECTED" as const,
  message: "the session was stopped",
};

function ackKey(ack: PendingAcknowledgement): string {
  return `${ack.agentId}\u0000${ack.taskId}\u0000${ack.uuid}`;
}

/** What the answer to a SUBSCRIBE call means for the session. */
export function subscribeAnswer(
  sub: { readonly ok: true; readonly streamId: string | undefined } | SubscribeRefused,
): SubscribeAnswer {
  if (sub.ok) return { kind: "stream", streamId: sub.streamId };
  const { status, headers, body } = sub.response;
  if (status === 307 && headers.location !== undefined) {
    return { kind: "redirect", location: headers.location };
  }
  if (status === 503 || status >= 500) return { kind: "unavailable", message: `${status} ${body}` };
  return { kind: "rejected", status, message: body };
}
