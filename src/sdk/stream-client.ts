// The life of an SDK client around one subscription at a time, shared by SchedulerClient and
// ExecutorClient: typed handlers, a connection loop started once by `start()`, and an end
// (stop(), or a reason of the client's own) that cuts the open stream and every wait.
import type { WireResult } from "../wire/json.ts";
import { type AnyHandlers, HandlerRegistry } from "./handler-registry.ts";
import type { SdkLogger } from "./shell-util.ts";

/** Why a client stopped; `STOPPED` is `stop()`, the other codes are each client's own. */
export interface Stopped<C extends string> {
  readonly code: C | "STOPPED";
  readonly message: string;
}

/** How a client reads its event stream (see `readEvents`). */
export interface EventReader<T> {
  readonly parse: (raw: unknown) => WireResult<T>;
  /** What is wrong with a parsed event, or undefined. */
  readonly validate: (event: T) => string | undefined;
  /** Told of every record before it is parsed (a sign of life). */
  readonly onRaw?: () => void;
  readonly deliver: (event: T) => Promise<unknown>;
  readonly endedBecause: () => string;
}

export abstract class StreamClient<H extends AnyHandlers, C extends string> {
  protected readonly handlers = new HandlerRegistry<H>();
  /** Aborted once the client stops: cuts pending requests and sleeps. */
  protected readonly lifetime = new AbortController();
  /** Ends the open stream, while one is open. */
  protected closeStream: (() => void) | undefined;
  protected stopReason: Stopped<C> | undefined;
  #running: Promise<Stopped<C>> | undefined;

  /** Adds a handler; handlers run one event at a time, in order, each awaited. */
  on<K extends keyof H>(kind: K, handler: H[K]): this {
    this.handlers.add(kind, handler);
    return this;
  }

  /** Connects and keeps connected; resolves when the client stops for good. */
  start(): Promise<Stopped<C>> {
    this.#running ??= this.run();
    return this.#running;
  }

  /** Drops the connection and stops reconnecting. */
  async stop(): Promise<void> {
    this.finish({ code: "STOPPED", message: "stop() was called" });
    await this.#running;
  }

  /**
   * Hands each event of an open stream, parsed and checked, to `deliver` (awaited, one at a
   * time) until the stream ends (`reader.endedBecause` says why), breaks, or the client stops;
   * returns why it ended. An event that does not parse or check is logged and skipped.
   */
  protected async readEvents<T>(
    events: AsyncIterable<unknown>,
    reader: EventReader<T>,
  ): Promise<string> {
    try {
      for await (const raw of events) {
        reader.onRaw?.();
        const event = checkedEvent(reader.parse(raw), reader.validate, this.log);
        if (event !== undefined) await reader.deliver(event);
        if (this.stopReason !== undefined) return this.stopReason.message;
      }
      return reader.endedBecause();
    } catch (error) {
      return `the stream broke: ${String(error)}`;
    }
  }

  protected abstract readonly log: SdkLogger;

  /** The connection loop: returns once `stopReason` is set or it gives up. */
  protected abstract run(): Promise<Stopped<C>>;

  /** What the client itself must end when it stops, before its stream is cut. */
  protected abstract onFinish(): void;

  /** Stops for good with `reason` (the first reason given wins). */
  protected finish(reason: Stopped<C>): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.onFinish();
    this.closeStream?.();
    this.lifetime.abort();
  }
}

/**
 * An event as parsed off the stream and then checked (`validate` names what is wrong); one
 * that fails either is logged and dropped (undefined), as Mesos's library skips bad events.
 */
function checkedEvent<T>(
  parsed: WireResult<T>,
  validate: (event: T) => string | undefined,
  log: SdkLogger,
): T | undefined {
  const invalid = parsed.ok ? validate(parsed.value) : parsed.error;
  if (!parsed.ok || invalid !== undefined) {
    log.warn({ error: invalid }, "ignored an event that does not parse");
    return undefined;
  }
  return parsed.value;
}
