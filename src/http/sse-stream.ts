// A Server-Sent Events stream on one HTTP response (the `text/event-stream` format of the HTML
// standard): `event: <type>` and `data: <text>` lines, a blank line after each event. Marathon's
// `/v2/events` is one; the jobs API can serve its own the same way.
//
// As with RecordIO streams (event-stream.ts), the backlog has a stated limit: once more than
// `maxBufferedBytes` were written and not taken by the socket, the client is disconnected
// rather than queued for without bound (it sees the connection drop, and reconnects).
import type { ServerResponse } from "node:http";
import { assert } from "../base/assert.ts";
import type { EventStreamCloseReason } from "./event-stream.ts";

/** Default backlog limit per client: 4 MiB of events not yet taken by the socket. */
export const SSE_STREAM_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export const TEXT_EVENT_STREAM = "text/event-stream";

export interface SseStreamOptions {
  /** Extra headers of the `200` head (`Content-Type` is always text/event-stream). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly maxBufferedBytes?: number;
}

export class SseStream {
  readonly maxBufferedBytes: number;
  readonly #res: ServerResponse;
  #closeReason: EventStreamCloseReason | undefined;
  readonly #closeCallbacks: Array<(reason: EventStreamCloseReason) => void> = [];

  /** Sends the `200` head at once, so the client knows the stream is open before any event. */
  constructor(res: ServerResponse, options: SseStreamOptions = {}) {
    assert(!res.headersSent, "SseStream: response headers already sent");
    this.#res = res;
    this.maxBufferedBytes = options.maxBufferedBytes ?? SSE_STREAM_MAX_BUFFERED_BYTES;
    assert(this.maxBufferedBytes > 0, "SseStream: maxBufferedBytes must be positive");
    res.writeHead(200, { ...options.headers, "Content-Type": TEXT_EVENT_STREAM });
    res.flushHeaders();
    res.on("close", () => this.#finish("client_disconnected"));
    res.on("error", () => this.#finish("client_disconnected"));
  }

  get isOpen(): boolean {
    return this.#closeReason === undefined;
  }

  get closedBecause(): EventStreamCloseReason | undefined {
    return this.#closeReason;
  }

  /**
   * Writes one event; each line of `data` becomes a `data:` line. Returns false when the
   * stream is closed, or was just disconnected for a backlog past the limit (the event is
   * dropped either way).
   */
  send(event: string, data: string): boolean {
    if (!this.isOpen) return false;
    if (this.#res.writableLength > this.maxBufferedBytes) {
      this.#finish("slow_consumer");
      this.#res.destroy();
      return false;
    }
    const lines = data.includes("\n") ? data.split("\n").join("\ndata: ") : data;
    this.#res.write(`event: ${event}\ndata: ${lines}\n\n`);
    return true;
  }

  /** Registers a callback for the end of the stream; called at once if it already ended. */
  onClose(callback: (reason: EventStreamCloseReason) => void): void {
    if (this.#closeReason !== undefined) {
      callback(this.#closeReason);
      return;
    }
    this.#closeCallbacks.push(callback);
  }

  /** Ends the response cleanly; events already written are still delivered. */
  close(reason: "closed" | "server_closing" = "closed"): void {
    if (!this.isOpen) return;
    this.#finish(reason);
    this.#res.end();
  }

  #finish(reason: EventStreamCloseReason): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    for (const callback of this.#closeCallbacks.splice(0)) callback(reason);
  }
}
