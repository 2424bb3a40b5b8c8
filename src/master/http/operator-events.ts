// The operator API's event stream (reference §4.3): SUBSCRIBE answers 200 with SUBSCRIBED (the
// full GET_STATE), then HEARTBEAT at once and every 15 s, and the deltas the core reports
// (TASK_ADDED, TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED, FRAMEWORK_ADDED/UPDATED/REMOVED).
// At most `maxSubscribers` streams are kept; beyond that the oldest is closed, as Mesos does
// (--max_operator_event_stream_subscribers).
import type { z } from "zod";
import type { EventStream } from "../../http/event-stream.ts";
import { APPLICATION_JSON, APPLICATION_PROTOBUF } from "../../http/response.ts";
import { TimeSlice } from "../../http/time-slice.ts";
import { encodeV1 } from "../../http/v1-request.ts";
import { verifyTrustedText } from "../../wire/json.ts";
import { jsonChunks, StreamedObject } from "../../wire/json-stream.ts";
import { MasterEvent } from "../../wire/operator-master.ts";
import type { OperatorEvent } from "../core/types.ts";
import type { getState } from "../core/views.ts";

/** The GET_STATE payload, as the core renders it (MasterCore.getState). */
type StatePayload = ReturnType<typeof getState>;

/**
 * Events kept for a subscriber while its SUBSCRIBED is printed (a second or two at 100,000
 * tasks); one that falls this far behind is closed, and re-subscribes.
 */
export const OPERATOR_PENDING_EVENTS_MAX = 100_000;

/** Chunks of SUBSCRIBED printed before the first yield: a small state is sent at once. */
const SUBSCRIBED_CHUNKS_AT_ONCE = 4;

/** One HEARTBEAT record in a stream's media type. */
export function operatorHeartbeatRecord(mediaType: string): string | Uint8Array {
  return encodeV1(mediaType, MasterEvent, { type: "HEARTBEAT" });
}

// Each record is printed in the subscriber's media type. Protobuf needs the parsed message;
// JSON is printed from the core's value as it is (encodeTrusted, which the tests check against
// the validated form): parsing SUBSCRIBED of 100,000 tasks took seconds (bench/ui.bench.ts).
function encodeEvent(mediaType: string, event: z.input<typeof MasterEvent>): string | Uint8Array {
  if (mediaType === APPLICATION_PROTOBUF) {
    return encodeV1(mediaType, MasterEvent, MasterEvent.parse(event));
  }
  return encodeV1(mediaType, MasterEvent, event as z.output<typeof MasterEvent>);
}

/** SUBSCRIBED's text in chunks, after the steps that make its state (each an undefined). */
function* subscribedChunks(
  state: Generator<void, StreamedObject>,
): Generator<string | undefined, void, void> {
  let made = state.next();
  for (; made.done !== true; made = state.next()) yield undefined;
  const document = new StreamedObject([
    ["type", "SUBSCRIBED"],
    [
      "subscribed",
      new StreamedObject([
        ["get_state", made.value],
        ["heartbeat_interval_seconds", 15],
      ]),
    ],
  ]);
  yield* jsonChunks(document, "wire");
}

/** What one subscriber may see of each event (security-views.ts); undefined: not sent. */
export interface OperatorEventFilter {
  view(event: OperatorEvent): OperatorEvent | undefined;
}

export class OperatorEventHub {
  readonly #subscribers: EventStream[] = [];
  /** The subscribers whose events are filtered by the ACLs (view_frameworks, view_tasks). */
  readonly #filters = new Map<EventStream, OperatorEventFilter>();
  readonly #maxSubscribers: number;
  readonly #state: () => StatePayload;
  readonly #document: (() => Generator<void, StreamedObject>) | undefined;
  /** Subscribers whose SUBSCRIBED is being printed, with the events that came meanwhile. */
  readonly #pending = new Map<EventStream, OperatorEvent[]>();

  /** `document`: the same state as a document printed piece by piece (views.ts), made in
   *  steps (state-json.ts v1StateSteps) run in the same slices as its printing. */
  constructor(
    state: () => StatePayload,
    maxSubscribers: number,
    document?: () => Generator<void, StreamedObject>,
  ) {
    this.#state = state;
    this.#maxSubscribers = maxSubscribers;
    this.#document = document;
  }

  get size(): number {
    return this.#subscribers.length;
  }

  /** Adds a subscriber: SUBSCRIBED with the whole state, then heartbeats. */
  add(stream: EventStream, filter?: OperatorEventFilter): void {
    while (this.#subscribers.length >= this.#maxSubscribers) this.#subscribers.shift()?.close();
    this.#subscribers.push(stream);
    if (filter !== undefined) this.#filters.set(stream, filter);
    stream.onClose(() => {
      const at = this.#subscribers.indexOf(stream);
      if (at >= 0) this.#subscribers.splice(at, 1);
      this.#filters.delete(stream);
      this.#pending.delete(stream);
    });
    if (filter === undefined && stream.contentType === APPLICATION_JSON && this.#document) {
      this.#printSubscribed(stream, this.#document());
      return;
    }
    const subscribed: OperatorEvent = {
      type: "SUBSCRIBED",
      subscribed: { get_state: this.#state(), heartbeat_interval_seconds: 15 },
    };
    stream.send(encodeEvent(stream.contentType, filter?.view(subscribed) ?? subscribed));
    stream.startHeartbeats();
  }

  /** Sends one core event (already a wire MasterEvent value) to every subscriber. */
  publish(event: OperatorEvent): void {
    if (this.#subscribers.length === 0) return;
    // Encoded once per media type among the subscribers.
    const records = new Map<string, string | Uint8Array>();
    for (const stream of [...this.#subscribers]) {
      const queue = this.#pending.get(stream);
      if (queue !== undefined) {
        // Behind a SUBSCRIBED still printing: sent after it, unless it is hopelessly behind.
        if (queue.length < OPERATOR_PENDING_EVENTS_MAX) queue.push(event);
        else stream.close();
        continue;
      }
      const filter = this.#filters.get(stream);
      if (filter !== undefined) {
        const seen = filter.view(event);
        if (seen !== undefined) stream.send(encodeEvent(stream.contentType, seen));
        continue;
      }
      let record = records.get(stream.contentType);
      if (record === undefined) {
        record = encodeEvent(stream.contentType, event);
        records.set(stream.contentType, record);
      }
      stream.send(record);
    }
  }

  /**
   * SUBSCRIBED printed in slices of the event loop (time-slice.ts) (a state of 100,000 tasks is tens of
   * MB: printed at once, it held every other call for seconds), then written as one record:
   * RecordIO puts the length first, so the record is whole before its first byte goes out.
   * A small state is printed and sent at once, as before.
   */
  #printSubscribed(stream: EventStream, state: Generator<void, StreamedObject>): void {
    const chunks = subscribedChunks(state);
    const parts: string[] = [];
    let bytes = 0;
    this.#pending.set(stream, []);
    const slice = new TimeSlice();
    const step = (first: boolean) => {
      if (!stream.isOpen) return;
      slice.restart();
      // At least SUBSCRIBED_CHUNKS_AT_ONCE at first, then as many as fit in the slice.
      for (let i = 0; (first && i < SUBSCRIBED_CHUNKS_AT_ONCE) || !slice.spent(); i++) {
        const next = chunks.next();
        if (next.done === true) {
          this.#sendSubscribed(stream, parts, bytes, first);
          return;
        }
        if (next.value === undefined) continue;
        parts.push(next.value);
        bytes += Buffer.byteLength(next.value);
      }
      setImmediate(() => step(false));
    };
    step(true);
  }

  #sendSubscribed(stream: EventStream, parts: string[], bytes: number, atOnce: boolean): void {
    // Checked against the validated state only when printed at once: printed over many turns,
    // its items show their fields as they were when printed, which later calls may change.
    if (atOnce) {
      verifyTrustedText(
        MasterEvent,
        () => parts.join(""),
        () => ({
          type: "SUBSCRIBED" as const,
          subscribed: { get_state: this.#state(), heartbeat_interval_seconds: 15 },
        }),
      );
    }
    const queued = this.#pending.get(stream) ?? [];
    // Events that come while SUBSCRIBED is written wait behind it, as those that came while it
    // was printed do.
    this.#pending.set(stream, queued);
    const sent = stream.sendParts(parts, bytes, () => {
      this.#pending.delete(stream);
      // HEARTBEAT right after SUBSCRIBED, as when it is sent at once; then what happened since.
      stream.startHeartbeats();
      for (const event of queued) stream.send(encodeEvent(stream.contentType, event));
    });
    if (!sent) this.#pending.delete(stream);
  }

  close(): void {
    for (const stream of this.#subscribers.splice(0)) stream.close("server_closing");
  }
}
