// The operator API's event stream (reference §4.3): SUBSCRIBE answers 200 with SUBSCRIBED (the
// full GET_STATE), then HEARTBEAT at once and every 15 s, and the deltas the core reports
// (TASK_ADDED, TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED, FRAMEWORK_ADDED/UPDATED/REMOVED).
// At most `maxSubscribers` streams are kept; beyond that the oldest is closed, as Mesos does
// (--max_operator_event_stream_subscribers).
import type { z } from "zod";
import type { EventStream } from "../../http/event-stream.ts";
import { APPLICATION_PROTOBUF } from "../../http/response.ts";
import { encodeV1 } from "../../http/v1-request.ts";
import { MasterEvent } from "../../wire/operator-master.ts";
import type { OperatorEvent } from "../core/types.ts";
import type { getState } from "../core/views.ts";

/** The GET_STATE payload, as the core renders it (MasterCore.getState). */
type StatePayload = ReturnType<typeof getState>;

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

  constructor(state: () => StatePayload, maxSubscribers: number) {
    this.#state = state;
    this.#maxSubscribers = maxSubscribers;
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
    });
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

  close(): void {
    for (const stream of this.#subscribers.splice(0)) stream.close("server_closing");
  }
}
