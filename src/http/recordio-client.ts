// The client side of the v1 APIs, for tests and the SDK: a plain call (status, headers, body)
// and a subscription whose RecordIO response is read as an async iterator of decoded events.
// Uses Node 20's global fetch (undici). Redirects are not followed: a 307 from a non-leading
// master is an answer the caller acts on (the SDK re-resolves the leader).
import { parseWireText } from "../wire/json.ts";
import { RECORDIO_MAX_RECORD_BYTES, readTextRecords } from "../wire/recordio.ts";
import { APPLICATION_JSON } from "./response.ts";

export interface CallOptions {
  /** Extra request headers, e.g. `Mesos-Stream-Id` or `Authorization`. */
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

export interface CallResponse {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function requestInit(body: string, options: CallOptions): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": APPLICATION_JSON, Accept: APPLICATION_JSON, ...options.headers },
    body,
    redirect: "manual",
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** POSTs one call (JSON text in the Mesos dialect) and reads the whole answer. */
export async function postCall(
  url: string | URL,
  callJson: string,
  options: CallOptions = {},
): Promise<CallResponse> {
  const res = await fetch(url, requestInit(callJson, options));
  return { status: res.status, headers: headerRecord(res.headers), body: await res.text() };
}

export interface SubscribeOptions extends CallOptions {
  /** Largest event accepted, in bytes (RecordIO decoder limit). */
  readonly maxRecordBytes?: number;
}

/** An open subscription: iterate `events` until the server ends the stream, or `close()`. */
export interface Subscription {
  readonly status: 200;
  readonly headers: Readonly<Record<string, string>>;
  /** The `Mesos-Stream-Id` header, when the API sends one. */
  readonly streamId: string | undefined;
  /** Each record's JSON, parsed (Mesos dialect); throws RecordIoStreamError on broken framing. */
  readonly events: AsyncIterable<unknown>;
  /** Drops the connection; the iterator then ends. */
  close(): void;
}

/** A non-200 answer to a subscribe call (4xx/5xx, or a 307 to the leader). */
export interface SubscribeRefused {
  readonly ok: false;
  readonly response: CallResponse;
}

/** POSTs a SUBSCRIBE call and, on `200`, returns the stream of decoded events. */
export async function subscribe(
  url: string | URL,
  callJson: string,
  options: SubscribeOptions = {},
): Promise<({ ok: true } & Subscription) | SubscribeRefused> {
  const abort = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
  const res = await fetch(url, requestInit(callJson, { ...options, signal }));
  const headers = headerRecord(res.headers);
  if (res.status !== 200 || res.body === null) {
    return { ok: false, response: { status: res.status, headers, body: await res.text() } };
  }
  const body = res.body;
  const maxRecordBytes = options.maxRecordBytes ?? RECORDIO_MAX_RECORD_BYTES;
  async function* events(): AsyncGenerator<unknown, void, undefined> {
    try {
      for await (const text of readTextRecords(body, { maxRecordBytes })) {
        yield parseWireText(text);
      }
    } catch (error) {
      // Our own close() aborts the body; that is the end of the stream, not a failure.
      if (abort.signal.aborted) return;
      throw error;
    }
  }
  return {
    ok: true,
    status: 200,
    headers,
    streamId: headers["mesos-stream-id"],
    events: events(),
    close: () => abort.abort(),
  };
}
