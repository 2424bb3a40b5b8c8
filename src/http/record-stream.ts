// The events of a subscription's RecordIO response (reference §0.3) as an async iterable of
// parsed JSON, read straight off a node:http response (client.ts).
//
// Why not `for await` over readTextRecords(res): that stacks three async iterators (the
// response's, the RecordIO decoder's, the text decoder's), each costing promises and a
// microtask hop per record, which on the task launch path (every status update and its
// acknowledgement is a record) was a visible part of the CPU spent per task. Here the response
// pushes chunks through one RecordDecoder and the consumer takes parsed records from a queue.
//
// Behaviour kept: records come in order; a framing error, a record that is not UTF-8 or not
// JSON is thrown to the consumer after the records before it, and ends the connection; the
// connection dropping before the response ended throws; `close()` (ours) ends the iteration
// quietly; a consumer that stops iterating drops the connection. Backpressure: the response is
// paused while more than RECORD_STREAM_HIGH_WATER parsed records wait for the consumer.
import type { IncomingMessage } from "node:http";
import { parseWireText } from "../wire/json.ts";
import { RecordDecoder, RecordIoStreamError } from "../wire/recordio.ts";

/** Parsed records held for a slow consumer before the response is paused. */
export const RECORD_STREAM_HIGH_WATER = 64;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeJsonRecord(record: Uint8Array): unknown {
  return parseWireText(utf8.decode(record));
}

export class RecordStream implements AsyncIterable<unknown> {
  readonly #res: IncomingMessage;
  readonly #decoder: RecordDecoder;
  #queue: unknown[] = [];
  #head = 0;
  /** Set once nothing more will be queued: the error to throw after the queue, or "end". */
  #outcome: Error | "end" | undefined;
  #closedByUs = false;
  #iterating = false;
  #wake: (() => void) | undefined;

  readonly #decode: (record: Uint8Array) => unknown;

  /** `decode`: how a record becomes an event (protobuf streams); default JSON text, parsed. */
  constructor(
    res: IncomingMessage,
    maxRecordBytes: number,
    decode: (record: Uint8Array) => unknown = decodeJsonRecord,
  ) {
    this.#res = res;
    this.#decode = decode;
    this.#decoder = new RecordDecoder({ maxRecordBytes });
    res.on("data", (chunk: Buffer) => this.#chunk(chunk));
    res.once("end", () => {
      const error = this.#decoder.end();
      this.#finish(error === undefined ? "end" : new RecordIoStreamError(error));
    });
    res.once("error", (error) => this.#finish(error));
    res.once("close", () => {
      if (!res.complete) this.#finish(new Error("the connection closed before the stream ended"));
    });
  }

  /** Ends the iteration quietly (records already queued are dropped) and the connection. */
  close(): void {
    this.#closedByUs = true;
    this.#finish("end");
    this.#res.destroy();
  }

  #chunk(chunk: Buffer): void {
    if (this.#outcome !== undefined) return;
    const { records, error } = this.#decoder.push(chunk);
    for (const record of records) {
      let value: unknown;
      try {
        value = this.#decode(record);
      } catch (failure) {
        this.#fail(failure instanceof Error ? failure : new Error(String(failure)));
        return;
      }
      this.#queue.push(value);
    }
    if (error !== undefined) {
      this.#fail(new RecordIoStreamError(error));
      return;
    }
    if (this.#queue.length - this.#head > RECORD_STREAM_HIGH_WATER) this.#res.pause();
    this.#notify();
  }

  /** A broken stream: what came before is still delivered, then the error; nothing after. */
  #fail(error: Error): void {
    this.#finish(error);
    this.#res.destroy();
  }

  #finish(outcome: Error | "end"): void {
    if (this.#outcome !== undefined) return;
    this.#outcome = outcome;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<unknown, void, undefined> {
    if (this.#iterating) throw new Error("RecordStream: iterated twice");
    this.#iterating = true;
    try {
      for (;;) {
        if (this.#closedByUs) return;
        if (this.#head < this.#queue.length) {
          const value = this.#queue[this.#head];
          this.#queue[this.#head] = undefined;
          this.#head++;
          if (this.#head === this.#queue.length) {
            this.#queue = [];
            this.#head = 0;
            if (this.#outcome === undefined && this.#res.isPaused()) this.#res.resume();
          }
          yield value;
          continue;
        }
        const outcome = this.#outcome;
        if (outcome === "end") return;
        if (outcome !== undefined) throw outcome;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    } finally {
      // The consumer stopped early (break, return, or our throw): the connection goes too.
      if (this.#outcome === undefined) this.close();
    }
  }
}
