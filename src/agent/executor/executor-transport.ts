// How an executor's v1 calls reach the agent and its events come back (reference §3.1).
//
// A custom executor speaks HTTP: POST /api/v1/executor, with SUBSCRIBE's RecordIO response as
// its event stream (src/agent/http/executor-api.ts). The command executors the agent hosts in
// its own process use `LocalExecutorTransport` instead: the same ExecutorCall values go to the
// same agent entry points (`LocalExecutorEndpoint`, which the HTTP API also uses), checked as
// the HTTP API checks them, and the same ExecutorEvent values come back in order on an
// `ExecutorEventStream` — without a loopback connection, an HTTP parse, a JSON round trip or a
// schema parse per call or event, which cost more CPU than the rest of launching a short task.
// The agent core cannot tell the two apart: both are an executor subscribed on a stream id.
//
// Everything crosses asynchronously (a microtask), never inside the agent's dispatch loop, so
// the agent sees an in-process executor's calls exactly as it sees network ones.
import { randomUUID } from "node:crypto";
import {
  type ExecutorCall,
  type ExecutorEvent,
  validateExecutorCall,
} from "../../wire/executor.ts";
import type { ExecutorEventOut, ExecutorReply } from "../core/types.ts";

const verifyEvents = process.env.NODE_TEST_CONTEXT !== undefined;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** The agent's side of one subscribed executor's event stream. */
export interface ExecutorEventStream {
  send(event: ExecutorEventOut): void;
  /** Ends the stream; events already sent are delivered first. */
  close(): void;
  /** Called once when the stream ends, whichever side ended it. */
  onClose(callback: () => void): void;
}

/** What the agent offers executors, over HTTP or in-process. */
export interface LocalExecutorEndpoint {
  /** False until the agent has read its checkpoint (calls are refused with 503 until then). */
  recovered(): boolean;
  /** Hands the call to the agent core; for SUBSCRIBE `streamId` names the stream to open. */
  call(call: ExecutorCall, streamId: string | undefined): ExecutorReply;
  /** The SUBSCRIBE was accepted: events for `streamId` go to `stream` from now on. */
  attach(streamId: string, stream: ExecutorEventStream): void;
  /** The SUBSCRIBE was refused: forget the stream id. */
  abandon(streamId: string): void;
}

/** The executor's side of its event stream. */
export interface ExecutorEventSink {
  event(event: ExecutorEvent): void;
  /** The stream ended (the agent closed it, or the executor did). */
  closed(): void;
}

export interface ExecutorConnection {
  close(): void;
}

export interface ExecutorTransport {
  /** SUBSCRIBE; undefined when the agent refused it or is not ready (the executor retries). */
  subscribe(call: ExecutorCall, sink: ExecutorEventSink): Promise<ExecutorConnection | undefined>;
  /** Any other call. A refused call is not retried here: the next SUBSCRIBE carries it. */
  post(call: ExecutorCall): Promise<void>;
}

/** An in-process event stream: events are delivered in order, each in its own microtask. */
class LocalEventStream implements ExecutorEventStream {
  #ended = false;
  readonly #callbacks: Array<() => void> = [];
  constructor(private readonly sink: ExecutorEventSink) {}

  send(event: ExecutorEventOut): void {
    if (this.#ended) return;
    // The core builds events as the schema's output type (declared defaults present) from
    // values it validated where they entered the agent, so the executor reads them as they
    // are, as a client reads a parsed record. The two sides share the objects, so neither
    // may change an event once sent: under the test runner events are frozen to check that.
    if (verifyEvents) deepFreeze(event);
    queueMicrotask(() => this.sink.event(event));
  }

  close(): void {
    if (this.#ended) return;
    this.#ended = true;
    // Queued after the events already sent, as records written before a socket's end arrive.
    queueMicrotask(() => {
      this.sink.closed();
      for (const callback of this.#callbacks.splice(0)) callback();
    });
  }

  onClose(callback: () => void): void {
    this.#callbacks.push(callback);
  }
}

export class LocalExecutorTransport implements ExecutorTransport {
  constructor(private readonly endpoint: LocalExecutorEndpoint) {}

  async subscribe(
    call: ExecutorCall,
    sink: ExecutorEventSink,
  ): Promise<ExecutorConnection | undefined> {
    await Promise.resolve();
    if (!this.#acceptable(call)) return undefined;
    const streamId = randomUUID();
    const reply = this.endpoint.call(call, streamId);
    if (!reply.ok) {
      this.endpoint.abandon(streamId);
      return undefined;
    }
    const stream = new LocalEventStream(sink);
    this.endpoint.attach(streamId, stream);
    // The stream is the connection: closing either is closing both.
    return stream;
  }

  async post(call: ExecutorCall): Promise<void> {
    await Promise.resolve();
    if (this.#acceptable(call)) this.endpoint.call(call, undefined);
  }

  /** The checks the HTTP API makes before the core sees a call (503, then validation 400). */
  #acceptable(call: ExecutorCall): boolean {
    return this.endpoint.recovered() && validateExecutorCall(call) === undefined;
  }
}
