// The life of an SDK client around one subscription at a time, shared by SchedulerClient and
// ExecutorClient: typed handlers, a connection loop started once by `start()`, and an end
// (stop(), or a reason of the client's own) that cuts the open stream and every wait.
import { type AnyHandlers, HandlerRegistry } from "./handler-registry.ts";

/** Why a client stopped; `STOPPED` is `stop()`, the other codes are each client's own. */
export interface Stopped<C extends string> {
  readonly code: C | "STOPPED";
  readonly message: string;
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
