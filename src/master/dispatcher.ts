// The master's event loop: turns each HTTP request, stream close, agent call, timer firing and
// registry result into a MasterCore input, and carries out the outputs the core returns, in
// order (DESIGN.md "Pure core, thin shell"). Inputs are queued, so an output whose execution
// causes another input (a stream dropped while being written) is handled after the current
// batch, never in the middle of it.
import type { Logger } from "pino";
import { assert } from "../base/assert.ts";
import { TimerTable, wallClock } from "../base/timer-table.ts";
import type { EventStream, EventStreamCloseReason } from "../http/event-stream.ts";
import { encodeV1 } from "../http/v1-request.ts";
import { AgentEvent } from "../wire/agent-channel.ts";
import { encodeTrusted } from "../wire/json.ts";
import { SchedulerEvent } from "../wire/scheduler.ts";
import type { MasterCore } from "./core/master.ts";
import { ALLOCATION_TIMER_ID } from "./core/scheduler-calls.ts";
import { SCHEDULER_STREAM_CONGESTED_BYTES } from "./core/stream-pressure.ts";
import type {
  MasterInput,
  MasterOutput,
  OperatorCall,
  OperatorEvent,
  SchedulerCallReply,
} from "./core/types.ts";
import type { AgentCall, SchedulerCall } from "./core/wire-types.ts";
import type { MasterCalls } from "./http/context.ts";
import type { MasterTimings } from "./http/master-metrics.ts";
import type { RegistryStore } from "./registry/index.ts";

export interface DispatcherOptions {
  core: MasterCore;
  registry: RegistryStore;
  logger: Logger;
  /** Operator event stream fan-out (rendered by the operator API). */
  onOperatorEvent: (event: OperatorEvent) => void;
  /** A registry write failed: the master must stop (Mesos aborts; a standby takes over). */
  onAbort: (message: string) => void;
  /** Where allocation runs and registry writes are timed (the master's metrics). */
  timings?: MasterTimings;
}

interface Pending {
  resolve: (reply: SchedulerCallReply) => void;
  reject: (error: Error) => void;
}

/** Stream ends the core must hear about: the other side went away, not us closing it. */
function lostByPeer(reason: EventStreamCloseReason): boolean {
  return reason === "client_disconnected" || reason === "slow_consumer";
}

/**
 * Inputs waiting while one is handled. Requests and timers are handled as they come (the queue
 * holds only what outputs carried out during a drain add, a handful each), so reaching this is
 * a loop between the core and this shell: an invariant, not an operating error.
 */
export const MAX_QUEUED_MASTER_INPUTS = 100_000;

export class MasterDispatcher implements MasterCalls {
  readonly core: MasterCore;
  readonly #registry: RegistryStore;
  readonly #log: Logger;
  readonly #onOperatorEvent: (event: OperatorEvent) => void;
  readonly #onAbort: (message: string) => void;
  readonly #timings: MasterTimings | undefined;
  readonly #timers: TimerTable;
  readonly #schedulerStreams = new Map<string, EventStream>();
  /** Scheduler streams reported congested whose 'drain' has not come yet. */
  readonly #congestedStreams = new Set<string>();
  readonly #agentStreams = new Map<string, EventStream>();
  readonly #agentIdByStream = new Map<string, string>();
  readonly #pending = new Map<number, Pending>();
  readonly #queue: { input: MasterInput; atMs: number | undefined }[] = [];
  #draining = false;
  #nextRequestId = 1;
  #lastNowMs = 0;
  #closed = false;
  /** Inputs handled, for metrics and benchmarks. */
  inputsHandled = 0;
  /** Registry writes started and not yet durable (`registrar/queued_operations`). */
  registryWritesInFlight = 0;

  constructor(options: DispatcherOptions) {
    this.core = options.core;
    this.#registry = options.registry;
    this.#log = options.logger;
    this.#onOperatorEvent = options.onOperatorEvent;
    this.#onAbort = options.onAbort;
    this.#timings = options.timings;
    this.#timers = new TimerTable(wallClock({ nowMs: () => this.nowMs() }), (timerId, atMs) =>
      this.dispatch({ kind: "timer_fired", timerId }, atMs),
    );
  }

  /** Wall-clock milliseconds, never going backwards (the core assumes time only advances). */
  nowMs(): number {
    this.#lastNowMs = Math.max(this.#lastNowMs, Date.now());
    return this.#lastNowMs;
  }

  get recovered(): boolean {
    return this.core.recovered;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Queues an input; `atMs` raises the clock for timers that fire a little early. */
  dispatch(input: MasterInput, atMs?: number): void {
    if (this.#closed) return;
    assert(
      this.#queue.length < MAX_QUEUED_MASTER_INPUTS,
      "master: the input queue is full (a loop between the core and the dispatcher)",
    );
    this.#queue.push({ input, atMs });
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        this.#handle(next.input, next.atMs);
        if (this.#closed) break;
      }
    } finally {
      this.#draining = false;
    }
  }

  #handle(input: MasterInput, atMs: number | undefined): void {
    if (atMs !== undefined) this.#lastNowMs = Math.max(this.#lastNowMs, atMs);
    let outputs: MasterOutput[];
    const allocation = input.kind === "timer_fired" && input.timerId === ALLOCATION_TIMER_ID;
    const startedAt = allocation ? performance.now() : 0;
    try {
      outputs = this.core.handle(input, this.nowMs());
    } catch (error) {
      // A bug in the core (every input is checked before it changes anything, so only a broken
      // invariant throws): its state may be half-changed, and serving on from it loses
      // resources or tasks for good. Like a failed CHECK in Mesos, the master stops; the
      // request is answered (500) rather than left hanging, and a standby (or the supervisor's
      // restart) rebuilds the state from the registry and the agents.
      this.#log.fatal({ err: error, input: input.kind }, "master core failed on input");
      if (input.kind === "scheduler_call" || input.kind === "operator_call") {
        this.#pending.get(input.requestId)?.reject(error as Error);
        this.#pending.delete(input.requestId);
      }
      this.close();
      this.#onAbort(`master core failed on '${input.kind}': ${String(error)}`);
      return;
    }
    this.inputsHandled++;
    if (allocation && this.#timings !== undefined) {
      this.#timings.allocationRuns++;
      this.#timings.allocationRun.record(performance.now() - startedAt);
      if (atMs !== undefined)
        this.#timings.allocationRunLatency.record(Math.max(0, Date.now() - atMs));
    }
    for (const output of outputs) {
      try {
        this.#execute(output);
      } catch (error) {
        this.#log.error({ err: error, output: output.kind }, "failed to carry out a core output");
      }
    }
  }

  #execute(o: MasterOutput): void {
    switch (o.kind) {
      case "framework_event": {
        const stream = this.#schedulerStreams.get(o.streamId);
        if (stream === undefined) return;
        stream.send(encodeV1(stream.contentType, SchedulerEvent, o.event));
        // Mesos sends the first HEARTBEAT right after SUBSCRIBED, then every 15 s.
        if (o.event.type === "SUBSCRIBED") stream.startHeartbeats();
        this.#watchPressure(o.streamId, stream);
        return;
      }
      case "close_framework_stream":
        this.#schedulerStreams.get(o.streamId)?.close();
        this.#schedulerStreams.delete(o.streamId);
        return;
      case "agent_event": {
        const stream = this.#agentStreams.get(o.agentStreamId);
        if (stream === undefined) return;
        const agentId = o.event.subscribed?.agent_id.value;
        if (o.event.type === "SUBSCRIBED" && agentId !== undefined) {
          this.#agentIdByStream.set(o.agentStreamId, agentId);
        }
        stream.send(encodeTrusted(AgentEvent, o.event));
        return;
      }
      case "close_agent_stream":
        this.#agentStreams.get(o.agentStreamId)?.close();
        this.#agentStreams.delete(o.agentStreamId);
        this.#agentIdByStream.delete(o.agentStreamId);
        return;
      case "persist": {
        const token = o.token;
        const startedAt = performance.now();
        this.registryWritesInFlight++;
        this.#registry.apply(o.ops).then(
          () => {
            this.registryWritesInFlight--;
            this.#timings?.registryStore.record(performance.now() - startedAt);
            this.dispatch({ kind: "registry_result", token, ok: true });
          },
          (error: unknown) => {
            this.registryWritesInFlight--;
            this.#log.error({ err: error }, "registry write failed");
            this.dispatch({ kind: "registry_result", token, ok: false });
          },
        );
        return;
      }
      case "set_timer":
      case "cancel_timer":
        this.#timers.carryOut(o);
        return;
      case "operator_event":
        this.#onOperatorEvent(o.event);
        return;
      case "reply": {
        const pending = this.#pending.get(o.requestId);
        this.#pending.delete(o.requestId);
        pending?.resolve(o.reply);
        return;
      }
      case "abort":
        this.#log.fatal({ reason: o.message }, "master aborting");
        this.#onAbort(o.message);
        return;
    }
  }

  /** A consumer that stopped reading is reported once, and again when its backlog drains. */
  #watchPressure(streamId: string, stream: EventStream): void {
    if (this.#congestedStreams.has(streamId)) return;
    if (stream.bufferedBytes <= SCHEDULER_STREAM_CONGESTED_BYTES) return;
    this.#congestedStreams.add(streamId);
    this.dispatch({ kind: "scheduler_stream_pressure", streamId, congested: true });
    stream.onceDrained(() => {
      this.#congestedStreams.delete(streamId);
      this.dispatch({ kind: "scheduler_stream_pressure", streamId, congested: false });
    });
  }

  // --- scheduler API ---------------------------------------------------------------------

  /** A SUBSCRIBE answered with `stream` (already 200); the core writes its first records. */
  openSchedulerStream(stream: EventStream, call: SchedulerCall): void {
    const streamId = this.#track(stream, this.#schedulerStreams, () => {
      this.#congestedStreams.delete(streamId);
      return { kind: "scheduler_stream_closed", streamId };
    });
    this.dispatch({ kind: "scheduler_subscribe", streamId, call });
  }

  /**
   * Keeps `stream` in `streams` by its id until it ends; an end caused by the peer is told to
   * the core as the input `closed` returns.
   */
  #track(
    stream: EventStream,
    streams: Map<string, EventStream>,
    closed: () => MasterInput,
  ): string {
    const streamId = stream.streamId;
    if (streamId === undefined) throw new Error("stream without a Mesos-Stream-Id");
    streams.set(streamId, stream);
    stream.onClose((reason) => {
      if (streams.get(streamId) === stream) streams.delete(streamId);
      const input = closed();
      if (lostByPeer(reason)) this.dispatch(input);
    });
    return streamId;
  }

  /** Any other scheduler call; resolves with the core's answer. */
  schedulerCall(streamId: string | undefined, call: SchedulerCall): Promise<SchedulerCallReply> {
    return this.#request((requestId) => ({ kind: "scheduler_call", requestId, streamId, call }));
  }

  operatorCall(call: OperatorCall): Promise<SchedulerCallReply> {
    return this.#request((requestId) => ({ kind: "operator_call", requestId, call }));
  }

  #request(input: (requestId: number) => MasterInput): Promise<SchedulerCallReply> {
    if (this.#closed) return Promise.reject(new Error("master is shutting down"));
    const requestId = this.#nextRequestId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(requestId, { resolve, reject });
      this.dispatch(input(requestId));
    });
  }

  // --- agent channel ---------------------------------------------------------------------

  openAgentStream(stream: EventStream, call: AgentCall, peerIp?: string): void {
    const streamId = this.#track(stream, this.#agentStreams, () => {
      this.#agentIdByStream.delete(streamId);
      return { kind: "agent_stream_closed", agentStreamId: streamId };
    });
    this.dispatch({
      kind: "agent_subscribe",
      agentStreamId: streamId,
      call,
      ...(peerIp === undefined ? {} : { peerIp }),
    });
  }

  /** The agent registered on this stream, once the core said SUBSCRIBED on it. */
  agentIdForStream(streamId: string): string | undefined {
    return this.#agentIdByStream.get(streamId);
  }

  agentCall(agentId: string, call: AgentCall): void {
    this.dispatch({ kind: "agent_call", agentId, call });
  }

  // --- lifecycle -------------------------------------------------------------------------

  get openSchedulerStreams(): number {
    return this.#schedulerStreams.size;
  }

  get openAgentStreams(): number {
    return this.#agentStreams.size;
  }

  /** Stops timers and refuses further inputs; pending requests fail (answered 500/503). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.close();
    for (const pending of this.#pending.values()) {
      pending.reject(new Error("master is shutting down"));
    }
    this.#pending.clear();
  }
}
