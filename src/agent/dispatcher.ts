// The agent's event loop, shaped as the master's (src/master/dispatcher.ts): turns executor
// calls and stream ends, master events, container results, timer firings and checkpoint
// results into AgentCore inputs, and carries out the outputs the core returns, in order.
// Inputs are queued, so an output whose execution causes another input is handled after the
// current batch, never in the middle of it. Launching, checkpoint writes and the master link
// are parts handed in; this file only routes.
import type { Logger } from "pino";
import { assert } from "../base/assert.ts";
import { TimerTable, wallClock } from "../base/timer-table.ts";
import type { ExecutorCall } from "../wire/executor.ts";
import type { AgentCore } from "./core/agent.ts";
import type {
  AgentInput,
  AgentOutput,
  CheckpointWrite,
  ContainerLaunch,
  ExecutorEventOut,
  ExecutorReply,
  MasterCall,
} from "./core/types.ts";
import type { ExecutorEventStream, LocalExecutorEndpoint } from "./executor/executor-transport.ts";

/** Where the core's outputs go (the parts server.ts wires together). */
export interface AgentDispatcherParts {
  core: AgentCore;
  logger: Logger;
  /** The master link, once connected (calls before that are dropped, as with no master). */
  master(): { subscribe(call: MasterCall): void; send(call: MasterCall): void } | undefined;
  containers: {
    launch(launch: ContainerLaunch): void;
    destroy(containerId: string): void;
  };
  checkpoint: { write(token: number, write: CheckpointWrite): void };
  /** The master told the agent to shut down. */
  shutdown(message: string): void;
}

/**
 * Inputs waiting while one is handled. Only an output carried out during the drain adds to
 * it (a handful per output), so reaching this is a loop between the core and this shell.
 */
export const MAX_QUEUED_AGENT_INPUTS = 100_000;

interface ExecutorStreamSlot {
  stream: ExecutorEventStream | undefined;
  buffered: ExecutorEventOut[];
  closed: boolean;
}

export class AgentDispatcher implements LocalExecutorEndpoint {
  readonly core: AgentCore;
  readonly #parts: AgentDispatcherParts;
  readonly #queue: AgentInput[] = [];
  #dispatching = false;
  #closed = false;
  #recovered = false;
  #requestId = 0;
  readonly #replies = new Map<number, ExecutorReply>();
  readonly #streams = new Map<string, ExecutorStreamSlot>();
  readonly #timers: TimerTable;

  constructor(parts: AgentDispatcherParts) {
    this.core = parts.core;
    this.#parts = parts;
    // Armed timers keep the process alive, as they always did on the agent.
    this.#timers = new TimerTable(wallClock({ unref: false }), (timerId) =>
      this.dispatch({ kind: "timer_fired", timerId }),
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True once the containers are recovered (executor calls are refused 503 before). */
  recovered(): boolean {
    return this.#recovered;
  }

  markRecovered(): void {
    this.#recovered = true;
  }

  dispatch(input: AgentInput): void {
    if (this.#closed) return;
    assert(
      this.#queue.length < MAX_QUEUED_AGENT_INPUTS,
      "agent: the input queue is full (a loop between the core and the dispatcher)",
    );
    this.#queue.push(input);
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        for (const output of this.core.handle(next, Date.now())) this.#execute(output);
      }
    } finally {
      this.#dispatching = false;
    }
  }

  // --- executor API port -------------------------------------------------------------------

  call(call: ExecutorCall, streamId: string | undefined): ExecutorReply {
    const requestId = ++this.#requestId;
    if (streamId !== undefined)
      this.#streams.set(streamId, { stream: undefined, buffered: [], closed: false });
    this.dispatch({
      kind: "executor_call",
      requestId,
      call,
      ...(streamId === undefined ? {} : { streamId }),
    });
    const reply = this.#replies.get(requestId);
    this.#replies.delete(requestId);
    return reply ?? { ok: false, status: 503, message: "Agent is shutting down" };
  }

  attach(streamId: string, stream: ExecutorEventStream): void {
    const slot = this.#streams.get(streamId);
    if (slot === undefined || slot.closed) {
      stream.close();
      return;
    }
    slot.stream = stream;
    for (const record of slot.buffered) stream.send(record);
    slot.buffered = [];
    stream.onClose(() => {
      this.#streams.delete(streamId);
      this.dispatch({ kind: "executor_stream_closed", streamId });
    });
  }

  abandon(streamId: string): void {
    this.#streams.delete(streamId);
  }

  // --- outputs -----------------------------------------------------------------------------

  #execute(o: AgentOutput): void {
    switch (o.kind) {
      case "master_subscribe":
        this.#parts.master()?.subscribe(o.call);
        break;
      case "master_call":
        this.#parts.master()?.send(o.call);
        break;
      case "set_timer":
      case "cancel_timer":
        this.#timers.carryOut(o);
        break;
      case "executor_reply":
        this.#replies.set(o.requestId, o.reply);
        break;
      case "executor_event":
        this.#executorEvent(o.streamId, o.event);
        break;
      case "close_executor_stream":
        this.#closeExecutorStream(o.streamId);
        break;
      case "launch_container":
        this.#parts.containers.launch(o.launch);
        break;
      case "destroy_container":
        this.#parts.containers.destroy(o.containerId);
        break;
      case "checkpoint":
        this.#parts.checkpoint.write(o.token, o.write);
        break;
      case "shutdown":
        this.#parts.logger.warn({ message: o.message }, "the master asked the agent to shut down");
        this.#parts.shutdown(o.message);
        break;
    }
  }

  #executorEvent(streamId: string, event: ExecutorEventOut): void {
    const slot = this.#streams.get(streamId);
    if (slot === undefined || slot.closed) return;
    if (slot.stream === undefined) slot.buffered.push(event);
    else slot.stream.send(event);
  }

  #closeExecutorStream(streamId: string): void {
    const slot = this.#streams.get(streamId);
    if (slot === undefined) return;
    slot.closed = true;
    if (slot.stream !== undefined) {
      // Let the records already written go out first.
      const stream = slot.stream;
      setImmediate(() => stream.close());
    }
  }

  /** Refuses further inputs and cancels the timers. */
  close(): void {
    this.#closed = true;
    this.#timers.close();
  }
}
