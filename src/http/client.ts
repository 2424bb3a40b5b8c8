// The one HTTP client of Tessera's v1 APIs, used by the agent's master link, the SDK, the CLI
// and the tests: a plain call (status, headers, body), and a subscription whose RecordIO
// response is read as an async iterable of decoded events (record-stream.ts).
//
// Why node:http with a keep-alive pool and not the global fetch: on the task launch path every
// status update crosses three calls (agent -> master, scheduler ACKNOWLEDGE, and the events
// read back), and fetch (undici over WHATWG streams) costs several times more CPU per call than
// node:http: measured here, a sequential loopback POST took ~7.5 ms through fetch and ~1.1 ms
// through http.request on the same loaded machine.
//
// Redirects are not followed: a 307 from a non-leading master is an answer the caller acts on
// (the SDK re-resolves the leader, the CLI follows it by hand). Header names are lower-cased.
// No Accept-Encoding is sent, so answers come uncompressed. An `https:` URL goes through an
// https pool with this process's TLS settings (tls.ts): its CA, its client certificate, and
// the server's certificate verified unless LIBPROCESS_SSL_VERIFY_SERVER_CERT=false.
import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { RECORDIO_MAX_RECORD_BYTES } from "../wire/recordio.ts";
import { RecordStream } from "./record-stream.ts";
import { APPLICATION_JSON } from "./response.ts";
import { clientTlsOptions, loadTlsMaterial, onProcessTlsChange, processTls } from "./tls.ts";

export interface CallOptions {
  /** Extra request headers, e.g. `Mesos-Stream-Id` or `Authorization`. */
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
  /** The call's media type and the answer's wanted (Content-Type and Accept); default JSON. */
  readonly mediaType?: string;
}

export interface CallResponse {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface SubscribeOptions extends CallOptions {
  /** Largest event accepted, in bytes (RecordIO decoder limit). */
  readonly maxRecordBytes?: number;
  /** How each record becomes an event (default: JSON text in the Mesos dialect, parsed). */
  readonly decodeRecord?: (record: Uint8Array) => unknown;
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

/** One request of any method (the CLI's GETs of legacy endpoints, the services REST API). */
export interface RequestOptions extends CallOptions {
  readonly method: string;
  /** Sent as is; JSON bodies get `Content-Type: application/json`. */
  readonly body?: string;
}

/** A principal and secret, sent as HTTP Basic (Mesos's realms, Marathon's --http_credentials). */
export interface ClientCredential {
  readonly principal: string;
  readonly secret: string;
}

/** The `Authorization` header of `credential`: Basic, base64 of `principal:secret`. */
export function basicAuthorizationHeader(credential: ClientCredential): string {
  return `Basic ${Buffer.from(`${credential.principal}:${credential.secret}`).toString("base64")}`;
}

/**
 * The credential every request of this process sends unless it names its own Authorization
 * (the CLI sets it once from --principal/--secret or TESSERA_PRINCIPAL/TESSERA_SECRET).
 */
let processAuthorization: string | undefined;

export function useCredential(credential: ClientCredential | undefined): void {
  processAuthorization =
    credential === undefined ? undefined : basicAuthorizationHeader(credential);
}

/** One pool for the process: idle connections are kept and reused. A burst of calls queues
 *  for a few connections per server rather than opening one connection per call. */
const pool = new Agent({
  keepAlive: true,
  keepAliveMsecs: 1_000,
  maxSockets: 8,
  scheduling: "lifo",
});

/**
 * Connections per server of the process's pool (default 8). For a process that speaks for many
 * clients at once, the agent emulator of the scale benches: thousands of agents' calls behind
 * 8 connections waited tens of seconds, where each real agent has connections of its own.
 */
export function setCallPoolMaxSockets(maxSockets: number): void {
  pool.maxSockets = maxSockets;
}

/** The https pool and the tls options of unpooled https requests, made at first use. */
let https: { pool: HttpsAgent; options: Record<string, unknown> } | undefined;
onProcessTlsChange(() => {
  https?.pool.destroy();
  https = undefined;
});

function httpsClient(): { pool: HttpsAgent; options: Record<string, unknown> } {
  if (https === undefined) {
    const loaded = loadTlsMaterial(processTls(), false);
    // A CA or certificate that cannot be read is the caller's error, on every https call.
    if (!loaded.ok) throw new Error(loaded.message);
    const options = clientTlsOptions(loaded.material);
    const pool = new HttpsAgent({
      keepAlive: true,
      keepAliveMsecs: 1_000,
      maxSockets: 8,
      scheduling: "lifo",
      ...options,
    });
    https = { pool, options };
  }
  return https;
}

function headerRecord(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Where a URL's requests go, parsed once per URL: `request(url)` parsed it on every call. */
interface Target {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
  readonly path: string;
}

const targets = new Map<string, Target>();
/** A process talks to a handful of URLs; the bound only guards against a caller that varies. */
const MAX_TARGETS = 64;

function target(url: string | URL): Target {
  const key = String(url);
  let found = targets.get(key);
  if (found === undefined) {
    const parsed = new URL(key);
    found = {
      protocol: parsed.protocol,
      // `[::1]` in a URL is `::1` to the socket.
      hostname: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: parsed.port,
      path: `${parsed.pathname}${parsed.search}`,
    };
    if (targets.size >= MAX_TARGETS) targets.clear();
    targets.set(key, found);
  }
  return found;
}

function send(
  url: string | URL,
  method: string,
  body: string | Uint8Array | undefined,
  given: Record<string, string | number>,
  signal: AbortSignal | undefined,
  pooled: boolean,
): Promise<IncomingMessage> {
  const headers =
    processAuthorization !== undefined &&
    given.Authorization === undefined &&
    given.authorization === undefined
      ? { ...given, Authorization: processAuthorization }
      : given;
  return new Promise((resolve, reject) => {
    const { protocol, hostname, port, path } = target(url);
    const common = {
      protocol,
      hostname,
      port,
      path,
      method,
      headers,
      ...(signal === undefined ? {} : { signal }),
    };
    let req: ReturnType<typeof httpRequest>;
    if (protocol === "https:") {
      const tls = httpsClient();
      req = httpsRequest({ ...common, ...tls.options, agent: pooled ? tls.pool : false });
    } else {
      req = httpRequest({ ...common, agent: pooled ? pool : false });
    }
    req.once("response", resolve);
    req.once("error", reject);
    req.end(body);
  });
}

/** POSTs a v1 call: a JSON (or, as asked, protobuf) body, the same type of answer wanted. */
function sendCall(
  url: string | URL,
  call: string | Uint8Array,
  options: CallOptions,
  pooled: boolean,
): Promise<IncomingMessage> {
  const mediaType = options.mediaType ?? APPLICATION_JSON;
  const headers = {
    "Content-Type": mediaType,
    Accept: mediaType,
    "Content-Length": typeof call === "string" ? Buffer.byteLength(call) : call.length,
    ...options.headers,
  };
  return send(url, "POST", call, headers, options.signal, pooled);
}

/** The whole body as text; listeners rather than an async iterator, which cost more per call. */
function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.once("end", () => {
      resolve(
        chunks.length === 1
          ? (chunks[0] as Buffer).toString("utf8")
          : Buffer.concat(chunks).toString("utf8"),
      );
    });
    res.once("error", reject);
    res.once("close", () => {
      if (!res.complete) reject(new Error("the connection closed before the response ended"));
    });
  });
}

/** POSTs one call (JSON text in the Mesos dialect, or protobuf bytes) and reads the answer. */
export async function postCall(
  url: string | URL,
  call: string | Uint8Array,
  options: CallOptions = {},
): Promise<CallResponse> {
  const res = await sendCall(url, call, options, true);
  return { status: res.statusCode ?? 0, headers: headerRecord(res), body: await readAll(res) };
}

/** POSTs a SUBSCRIBE call and, on `200`, returns the stream of decoded events. */
export async function subscribe(
  url: string | URL,
  call: string | Uint8Array,
  options: SubscribeOptions = {},
): Promise<({ ok: true } & Subscription) | SubscribeRefused> {
  // A stream holds its connection for its whole life: it gets its own, outside the pool.
  const res = await sendCall(url, call, options, false);
  const headers = headerRecord(res);
  const status = res.statusCode ?? 0;
  if (status !== 200) {
    return { ok: false, response: { status, headers, body: await readAll(res) } };
  }
  const events = new RecordStream(
    res,
    options.maxRecordBytes ?? RECORDIO_MAX_RECORD_BYTES,
    options.decodeRecord,
  );
  return {
    ok: true,
    status: 200,
    headers,
    streamId: headers["mesos-stream-id"],
    events,
    close: () => events.close(),
  };
}

/** Any request (GET, PUT, DELETE, ...) through the same pool; the whole answer is read. */
export async function request(url: string | URL, options: RequestOptions): Promise<CallResponse> {
  const headers: Record<string, string | number> = {};
  if (options.body !== undefined) {
    headers["Content-Type"] = APPLICATION_JSON;
    headers["Content-Length"] = Buffer.byteLength(options.body);
  }
  Object.assign(headers, options.headers);
  const res = await send(url, options.method, options.body, headers, options.signal, true);
  return { status: res.statusCode ?? 0, headers: headerRecord(res), body: await readAll(res) };
}

/** One Server-Sent Event as received: its `event:` type ("message" when none) and its data. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/** An open event stream: iterate `events` until the server ends it, or `close()`. */
export interface SseSubscription {
  readonly status: number;
  readonly events: AsyncIterable<SseEvent>;
  close(): void;
}

/**
 * GETs a Server-Sent Events stream (Marathon's `/v2/events`). A non-200 answer has no events.
 * Lines end in LF, as SseStream writes them; comments and `id:`/`retry:` fields are skipped;
 * the client does not reconnect by itself.
 */
export async function subscribeSse(
  url: string | URL,
  options: CallOptions = {},
): Promise<SseSubscription> {
  // A stream holds its connection for its whole life: it gets its own, outside the pool.
  const headers = { Accept: "text/event-stream", ...options.headers };
  const res = await send(url, "GET", undefined, headers, options.signal, false);
  const status = res.statusCode ?? 0;
  if (status !== 200) res.resume();
  const state = { closedByUs: false };
  return {
    status,
    events: sseEvents(res, status === 200, state),
    close: () => {
      state.closedByUs = true;
      res.destroy();
    },
  };
}

async function* sseEvents(
  res: IncomingMessage,
  open: boolean,
  state: { readonly closedByUs: boolean },
): AsyncGenerator<SseEvent> {
  if (!open) return;
  res.setEncoding("utf8");
  let buffer = "";
  try {
    for await (const chunk of res as AsyncIterable<string>) {
      buffer += chunk;
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const event = parseSseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event !== undefined) yield event;
      }
    }
  } catch (error) {
    // Our own close() destroys the response; that is the end of the stream, not a failure.
    if (state.closedByUs) return;
    throw error;
  }
}

function parseSseFrame(frame: string): SseEvent | undefined {
  let event = "message";
  const data: string[] = [];
  for (const line of frame.split("\n")) {
    const colon = line.indexOf(":");
    if (colon === 0) continue; // a comment
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return data.length === 0 ? undefined : { event, data: data.join("\n") };
}
