// A long-lived RecordIO event stream on one HTTP response (reference §0.3): the scheduler,
// executor and operator SUBSCRIBE responses and the master -> agent channel all use it.
//
// Mesos answers SUBSCRIBE with `200 OK`, `Content-Type` per the Accept negotiation, a
// `Mesos-Stream-Id` header (a UUID, new per subscription; scheduler API only) and a chunked
// body of records that ends only when either side closes. Each `send` frames one payload with
// `encodeRecord`; chunk boundaries carry no meaning for readers.
//
// Every buffer has a stated limit: a consumer that does not read while records keep coming
// would make Node queue them in memory without bound, so once the unsent backlog passes
// `maxBufferedBytes` the stream is disconnected instead (the client sees the connection drop,
// as it would on a network failure, and re-subscribes).
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { assert } from "../base/assert.ts";
import { encodeRecord } from "../wire/recordio.ts";
import { APPLICATION_JSON } from "./response.ts";

/**
 * Default backlog limit: 16 MiB of records written but not yet taken by the socket. One record
 * larger than this (a big SUBSCRIBED state) is still accepted when the backlog is under the
 * limit, and is not counted against it while it drains: the records after it (the heartbeat
 * sent at once) must not find the stream "slow" because of it.
 */
export const EVENT_STREAM_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Repeating timer handed in, so tests and the simulator can drive heartbeats themselves. */
export interface HeartbeatTimer {
  /** Calls `tick` every `intervalMs` until the returned function is called. */
  every(intervalMs: number, tick: () => void): () => void;
}

/** Real timers; `unref`'d so an idle stream alone does not keep the process alive. */
export const realHeartbeatTimer: HeartbeatTimer = {
  every(intervalMs, tick) {
    const handle = setInterval(tick, intervalMs);
    handle.unref();
    return () => clearInterval(handle);
  },
};

export interface HeartbeatOptions {
  /** Mesos uses 15 s for schedulers (DEFAULT_HEARTBEAT_INTERVAL) and operator subscribers. */
  readonly intervalMs: number;
  /** The payload of one heartbeat record, e.g. `{"type":"HEARTBEAT"}`. */
  readonly record: () => string | Uint8Array;
  readonly timer?: HeartbeatTimer;
}

export interface EventStreamOptions {
  /** The negotiated media type of the records; defaults to `application/json`. */
  readonly contentType?: string;
  /** The `Mesos-Stream-Id` to send; `false` sends none (executor and operator APIs). */
  readonly streamId?: string | false;
  readonly maxBufferedBytes?: number;
  readonly heartbeat?: HeartbeatOptions;
  /** More response headers (the agent's `Message-Content-Type` for application/recordio). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Why a stream ended, reported once to every `onClose` callback. */
export type EventStreamCloseReason =
  | "closed" // `close()` was called
  | "client_disconnected" // the client went away (or the socket failed)
  | "slow_consumer" // the backlog passed maxBufferedBytes
  | "server_closing"; // the server is shutting down

export class EventStream {
  /** The `Mesos-Stream-Id` sent with the response, if any. */
  readonly streamId: string | undefined;
  /** The media type of the records (JSON or protobuf), as negotiated. */
  readonly contentType: string;
  readonly maxBufferedBytes: number;
  private readonly res: ServerResponse;
  private readonly heartbeat: HeartbeatOptions | undefined;
  private stopHeartbeats: (() => void) | undefined;
  private closeReason: EventStreamCloseReason | undefined;
  private readonly closeCallbacks: Array<(reason: EventStreamCloseReason) => void> = [];
  private recordsSent = 0;
  #corked = false;
  /** The allowance of the oversized record in the backlog (bytes), 0 when none is. */
  #oversized = 0;

  /** Sends the `200` head in this turn, so the client learns the stream id before any record. */
  constructor(res: ServerResponse, options: EventStreamOptions = {}) {
    assert(!res.headersSent, "EventStream: response headers already sent");
    this.res = res;
    this.contentType = options.contentType ?? APPLICATION_JSON;
    this.maxBufferedBytes = options.maxBufferedBytes ?? EVENT_STREAM_MAX_BUFFERED_BYTES;
    assert(
      Number.isSafeInteger(this.maxBufferedBytes) && this.maxBufferedBytes > 0,
      "EventStream: maxBufferedBytes must be a positive integer",
    );
    this.heartbeat = options.heartbeat;
    if (this.heartbeat) {
      assert(this.heartbeat.intervalMs > 0, "EventStream: heartbeat interval must be positive");
    }
    const streamId = options.streamId === undefined ? randomUUID() : options.streamId;
    this.streamId = streamId === false ? undefined : streamId;
    // Mesos bounds the stream id at 128 bytes (reference §1.1).
    assert(
      this.streamId === undefined || Buffer.byteLength(this.streamId) <= 128,
      "EventStream: Mesos-Stream-Id longer than 128 bytes",
    );

    const headers: Record<string, string> = {
      ...options.headers,
      "Content-Type": this.contentType,
      // Proxies must not hold back records waiting for more (e.g. nginx buffering).
      "Cache-Control": "no-cache",
    };
    if (this.streamId !== undefined) headers["Mesos-Stream-Id"] = this.streamId;
    res.writeHead(200, headers);
    // The head joins the records sent in this turn (SUBSCRIBED, a first PING) in one socket
    // write: a write each cost more than the whole re-registration of an agent's tasks.
    this.#coalesce();
    res.flushHeaders();
    // 'close' fires when the response finished or the connection went away, whichever first.
    res.on("close", () => this.finish("client_disconnected"));
    res.on("error", () => this.finish("client_disconnected"));
  }

  /** True until the stream ended for any reason. */
  get isOpen(): boolean {
    return this.closeReason === undefined;
  }

  /** Why it ended, once it has. */
  get closedBecause(): EventStreamCloseReason | undefined {
    return this.closeReason;
  }

  /** Bytes written but not yet taken by the socket. */
  get bufferedBytes(): number {
    return this.res.writableLength;
  }

  get sentRecords(): number {
    return this.recordsSent;
  }

  /**
   * Writes one record. Returns false if the stream is closed, or was just disconnected because
   * the client is too slow; the record is dropped in both cases (as Mesos drops events for a
   * disconnected subscriber).
   */
  send(payload: string | Uint8Array): boolean {
    // A string's UTF-8 form is at most 3 bytes per UTF-16 unit: a bound without encoding it.
    if (!this.#admit(typeof payload === "string" ? payload.length * 3 : payload.length)) {
      return false;
    }
    if (typeof payload === "string") {
      // Framed as text: node encodes it once, as it writes, with no copy made here.
      if (payload.length === 0) throw new Error("RecordIO: refusing to encode an empty record");
      this.res.write(`${Buffer.byteLength(payload)}\n${payload}`);
    } else {
      this.res.write(encodeRecord(payload));
    }
    this.recordsSent += 1;
    return true;
  }

  /**
   * Writes one record whose payload is `parts` joined, `bytes` long in UTF-8, without joining
   * them: a payload printed in pieces (the operator stream's SUBSCRIBED, json-stream.ts). The
   * parts go out one at a time, the next once the socket took the last ('drain'): written in
   * one turn, node copied the whole record (172 MB at 200,000 tasks) into one buffer in that
   * turn, every other call held meanwhile. `written` is called once the last part is handed
   * to the socket (never if the stream ends first); nothing else may be sent before it.
   * Returns false as `send` does.
   */
  sendParts(parts: readonly string[], bytes: number, written: () => void): boolean {
    if (bytes === 0) throw new Error("RecordIO: refusing to encode an empty record");
    if (!this.#admit(bytes)) return false;
    this.res.write(`${bytes}\n`);
    this.recordsSent += 1;
    let next = 0;
    const more = () => {
      while (next < parts.length) {
        if (!this.res.write(parts[next++]!) && next < parts.length) {
          this.onceDrained(more);
          return;
        }
      }
      written();
    };
    more();
    return true;
  }

  /** Whether a record of at most `bytes` may be written now (else the stream is cut: slow). */
  #admit(bytes: number): boolean {
    if (!this.isOpen) return false;
    const backlog = this.res.writableLength;
    if (backlog <= this.maxBufferedBytes) this.#oversized = 0;
    if (backlog > this.maxBufferedBytes + this.#oversized) {
      this.disconnect("slow_consumer");
      return false;
    }
    if (bytes > this.maxBufferedBytes) this.#oversized = Math.max(this.#oversized, bytes);
    this.#coalesce();
    return true;
  }

  /**
   * Records written in the same turn of the event loop leave in one socket write: a master
   * handling a batch of status updates, or the acknowledgements that arrived together, sends a
   * record each to the same stream, and a write (a system call) per record cost more than the
   * records themselves. The socket is uncorked once the turn's I/O callbacks have all run
   * (setImmediate), so what they sent goes out together.
   */
  #coalesce(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.res.cork();
    setImmediate(() => {
      this.#corked = false;
      this.res.uncork();
    });
  }

  /**
   * Sends one heartbeat now and then every interval until the stream ends. Mesos sends the
   * first scheduler HEARTBEAT right after SUBSCRIBED, so callers start heartbeats after
   * writing their first record.
   */
  startHeartbeats(): void {
    const heartbeat = this.heartbeat;
    assert(heartbeat, "EventStream: startHeartbeats without heartbeat options");
    assert(this.stopHeartbeats === undefined, "EventStream: heartbeats already started");
    if (!this.isOpen) return;
    this.send(heartbeat.record());
    const timer = heartbeat.timer ?? realHeartbeatTimer;
    this.stopHeartbeats = timer.every(heartbeat.intervalMs, () => {
      this.send(heartbeat.record());
    });
    // The stream may have been disconnected by that first send.
    if (!this.isOpen) this.clearHeartbeats();
  }

  /**
   * Calls `callback` once when the backlog has been taken by the socket (the response's
   * 'drain'), at once if there is none; never if the stream ends first.
   */
  onceDrained(callback: () => void): void {
    if (!this.isOpen) return;
    if (this.res.writableLength === 0) {
      callback();
      return;
    }
    this.res.once("drain", () => {
      if (this.isOpen) callback();
    });
  }

  /** Registers a callback for the end of the stream; called at once if it already ended. */
  onClose(callback: (reason: EventStreamCloseReason) => void): void {
    if (this.closeReason !== undefined) {
      callback(this.closeReason);
      return;
    }
    this.closeCallbacks.push(callback);
  }

  /** Ends the response cleanly (final chunk); records already written are still delivered. */
  close(reason: "closed" | "server_closing" = "closed"): void {
    if (!this.isOpen) return;
    this.finish(reason);
    this.res.end();
  }

  private disconnect(reason: EventStreamCloseReason): void {
    this.finish(reason);
    // Destroying drops the backlog at once; the client sees the connection reset.
    this.res.destroy();
  }

  private finish(reason: EventStreamCloseReason): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.clearHeartbeats();
    const callbacks = this.closeCallbacks.splice(0);
    for (const callback of callbacks) callback(reason);
  }

  private clearHeartbeats(): void {
    this.stopHeartbeats?.();
    this.stopHeartbeats = undefined;
  }
}
