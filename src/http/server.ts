// The HTTP server every Tessera endpoint stands on: a route table (exact paths and prefix
// routes, route-table.ts), method checks, a body limit, gzip for complete responses, RecordIO
// and Server-Sent Events streams, graceful close. The master, the agent and the services
// (Marathon) API all run on it.
//
// Why Node's `http` module and not a framework: the Mesos APIs need byte-exact control over
// status codes and headers (an exact-match `Content-Type` check, `Allow` on 405, a
// protocol-relative `Location` on 307, `Mesos-Stream-Id`), checks in Mesos's order (leader and
// recovery before the method), and responses that stay open for hours as chunked RecordIO
// streams. Fastify would have to be talked out of its own content-type parsing, body handling
// and reply lifecycle for each of those (raw bodies, `reply.hijack()` for streams), so the thin
// layer here, with no dependency, is the smaller and clearer thing to own.
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import { assert } from "../base/assert.ts";
import { sendChunked } from "./chunked-reply.ts";
import { EventStream } from "./event-stream.ts";
import {
  type FileReply,
  failureResponse,
  type HttpFailure,
  type HttpResponse,
  type Reply,
} from "./response.ts";
import { RouteTable } from "./route-table.ts";
import { SseStream } from "./sse-stream.ts";
import { loadTlsMaterial, processTls, type TlsSettings } from "./tls.ts";
import { TlsListener } from "./tls-listener.ts";

/** Largest request body accepted: 4 MiB, far above any real Call (a big ACCEPT is ~100 KiB). */
export const HTTP_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * libprocess compresses a complete response only when the client accepts gzip and the body is
 * at least this long (GZIP_MINIMUM_BODY_LENGTH); streams are never compressed.
 */
export const GZIP_MINIMUM_BODY_BYTES = 1024;

/** How long `close()` waits for in-flight requests before dropping their connections. */
export const HTTP_CLOSE_GRACE_MS = 5_000;

export interface HttpRequest {
  readonly method: string;
  /** The decoded path as received, prefix included (`/master/api/v1/scheduler`). */
  readonly path: string;
  /** For a prefix route, the path below it (`prod/web` of `/v2/apps/prod/web`); else "". */
  readonly tail: string;
  /** Path and query exactly as received, for redirects (`/api/v1/scheduler?x=1`). */
  readonly url: string;
  readonly query: URLSearchParams;
  /** Header names lower-cased, as Node delivers them. */
  readonly headers: IncomingMessage["headers"];
  /** The whole body (empty for bodiless requests), at most the server's body limit. */
  readonly body: Buffer;
  /** A route's streamed request body, unread and unbounded here (Route.streamBody): `body` is
   *  then empty, and the handler bounds what it holds. */
  readonly bodyStream?: AsyncIterable<Buffer>;
  /** The client's address as the socket sees it ("" once the socket is gone). */
  readonly remoteAddress: string;
  /** The connection's two ports, to find the client's socket on this host (executor-caller.ts). */
  readonly remotePort?: number | undefined;
  readonly localPort?: number | undefined;
  /** Who the request authenticated as, when its realm authenticates (HttpServerOptions). */
  readonly principal?: string;
  /** The claims of a JWT the request authenticated with (executor tokens). */
  readonly claims?: Readonly<Record<string, string>>;
}

/** What authentication made of a request: who it is, or the answer that refuses it. */
export type RequestIdentity =
  | { readonly principal: string | undefined; readonly claims?: Readonly<Record<string, string>> }
  | HttpResponse;

/** Runs before the method check and before the body is read (Mesos's leader/recovery checks). */
export type RouteGuard = (request: HttpRequest) => HttpFailure | undefined;

export interface Route {
  /** Path below the prefix without a leading slash: `api/v1/scheduler`, `metrics/snapshot`. */
  readonly name: string;
  /** The methods served; "*" hands every method to the handler (an API with its own 405s). */
  readonly methods: readonly string[] | "*";
  /** Also serve every path below `/<name>/`, the rest of the path in `request.tail`. */
  readonly subpaths?: boolean;
  /** False for libprocess-level endpoints served only at `/<name>` (`/version`). */
  readonly prefixed?: boolean;
  readonly guard?: RouteGuard;
  /** This route's body limit, when it is not the server's (the agent channel's is larger). */
  readonly maxBodyBytes?: number;
  /** Requests for which the handler reads the body as it arrives (the agent's streaming
   *  ATTACH_CONTAINER_INPUT), instead of the server reading it whole first. */
  readonly streamBody?: (request: HttpRequest) => boolean;
  readonly handler: (request: HttpRequest) => Reply | Promise<Reply>;
}

export interface HttpServerOptions {
  /** The process id prefix: `/master` for the master, `/slave(1)` for the agent. */
  readonly prefix?: string;
  readonly maxBodyBytes?: number;
  /** Told about handler exceptions (bugs), which are answered with 500. */
  readonly onHandlerError?: (error: unknown, request: HttpRequest) => void;
  /** Compress complete responses for clients that accept gzip (default true, as libprocess). */
  readonly gzip?: boolean;
  /** Serve `/a/b/` as `/a/b` (Marathon's API does; libprocess does not). Default false. */
  readonly ignoreTrailingSlash?: boolean;
  /** The answer to the server's own failures (404, 405, 413, 500); default: failureResponse. */
  readonly failureResponse?: (failure: HttpFailure) => HttpResponse;
  /**
   * Authenticates a request by its route's name before anything else, as libprocess does
   * (before the leader guard: reference mesos-api §1.1 step 1). Default: nobody is asked.
   */
  readonly authenticate?: (routeName: string, request: HttpRequest) => RequestIdentity;
}

/** What the server tracks of an open stream, to end it on close(). */
interface OpenStream {
  close(reason: "server_closing"): void;
  onClose(callback: () => void): void;
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  /** "https" when the port speaks TLS (tls.ts), else "http". */
  readonly scheme: "http" | "https";
}

export class HttpServer {
  readonly prefix: string;
  readonly maxBodyBytes: number;
  private readonly routes = new RouteTable<Route>();
  private readonly streams = new Set<OpenStream>();
  /** Open connections and how many of their requests are not yet answered. */
  private readonly connections = new Map<Socket, number>();
  private readonly server: Server;
  private readonly onHandlerError: HttpServerOptions["onHandlerError"];
  private readonly gzip: boolean;
  private readonly ignoreTrailingSlash: boolean;
  private readonly failure: (failure: HttpFailure) => HttpResponse;
  private readonly authenticate: HttpServerOptions["authenticate"];
  private closing = false;
  /** Set while listening with TLS: the port is its, the http server gets its connections. */
  private tlsListener: TlsListener | undefined;

  constructor(options: HttpServerOptions = {}) {
    const prefix = options.prefix ?? "";
    assert(
      prefix === "" || (prefix.startsWith("/") && !prefix.endsWith("/")),
      `HttpServer: prefix '${prefix}' must be empty or '/name'`,
    );
    this.prefix = prefix;
    this.maxBodyBytes = options.maxBodyBytes ?? HTTP_MAX_BODY_BYTES;
    this.onHandlerError = options.onHandlerError;
    this.gzip = options.gzip ?? true;
    this.ignoreTrailingSlash = options.ignoreTrailingSlash ?? false;
    this.failure = options.failureResponse ?? failureResponse;
    this.authenticate = options.authenticate;
    this.server = createServer((req, res) => {
      const socket = req.socket;
      this.connections.set(socket, (this.connections.get(socket) ?? 0) + 1);
      res.on("close", () => {
        const pending = (this.connections.get(socket) ?? 1) - 1;
        if (this.connections.has(socket)) this.connections.set(socket, pending);
        if (this.closing && pending === 0) socket.destroy();
      });
      this.serve(req, res).catch((error: unknown) => {
        // serve() handles its own failures; reaching here means writing the answer failed.
        res.destroy(error instanceof Error ? error : undefined);
      });
    });
    this.server.on("connection", (socket: Socket) => {
      this.connections.set(socket, 0);
      socket.on("close", () => this.connections.delete(socket));
    });
  }

  /** Registers a route once; it is served at `<prefix>/<name>` and at `/<name>`. */
  route(route: Route): void {
    assert(!route.name.startsWith("/"), `HttpServer: route name '${route.name}' starts with /`);
    assert(route.methods.length > 0, `HttpServer: route '${route.name}' has no methods`);
    const paths = [`/${route.name}`];
    if (route.prefixed !== false && this.prefix !== "") paths.push(`${this.prefix}/${route.name}`);
    for (const path of paths) this.routes.add(path, route, route.subpaths === true);
  }

  /**
   * Listens; with TLS (`address.tls`, else this process's settings, tls.ts) the port speaks
   * TLS. A certificate or key that cannot be read rejects with the reason.
   */
  async listen(
    address: { host?: string; port?: number; tls?: TlsSettings } = {},
  ): Promise<ListenAddress> {
    const host = address.host ?? "127.0.0.1";
    const tls = address.tls ?? processTls();
    if (tls.enabled) {
      const loaded = loadTlsMaterial(tls, true);
      if (!loaded.ok) throw new Error(loaded.message);
      this.tlsListener = new TlsListener(this.server, loaded.material);
      const bound = await this.tlsListener.listen(address.port ?? 0, host);
      return { host: bound.address, port: bound.port, scheme: "https" };
    }
    this.server.listen(address.port ?? 0, host);
    await once(this.server, "listening");
    const bound = this.server.address() as AddressInfo;
    return { host: bound.address, port: bound.port, scheme: "http" };
  }

  /** The TLS port's connection counts, while listening with TLS. */
  get tlsCounts(): TlsListener["counts"] | undefined {
    return this.tlsListener?.counts;
  }

  /** Streams currently open, for tests and metrics. */
  get openStreams(): number {
    return this.streams.size;
  }

  /**
   * Stops accepting connections, ends every open stream cleanly (clients see the stream end),
   * lets in-flight requests finish for up to HTTP_CLOSE_GRACE_MS, then drops what is left.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const closed = once(this.server, "close");
    this.server.close();
    this.tlsListener?.close();
    for (const stream of [...this.streams]) stream.close("server_closing");
    // Node's closeIdleConnections misses connections that never sent a request (clients
    // open spare ones), so idle sockets are found from our own count.
    for (const [socket, pending] of this.connections) if (pending === 0) socket.destroy();
    const grace = setTimeout(() => this.server.closeAllConnections(), HTTP_CLOSE_GRACE_MS);
    grace.unref();
    await closed;
    clearTimeout(grace);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? "/";
    // Split by hand: `new URL` would read a path starting with `//` as a host name.
    const queryAt = rawUrl.indexOf("?");
    let path = decodePath(queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt));
    if (this.ignoreTrailingSlash && path.length > 1) path = path.replace(/\/+$/, "");
    const found = this.routes.find(path);
    if (found === undefined) {
      return this.answer(req, res, this.failure({ code: "NOT_FOUND", message: "" }));
    }
    const { route, tail } = found;
    let request: HttpRequest = {
      method: req.method ?? "GET",
      path,
      tail,
      url: rawUrl,
      query: new URLSearchParams(queryAt === -1 ? "" : rawUrl.slice(queryAt + 1)),
      headers: req.headers,
      body: EMPTY_BODY,
      remoteAddress: req.socket.remoteAddress ?? "",
      remotePort: req.socket.remotePort,
      localPort: req.socket.localPort,
      // Always present, so every request has one shape whether or not its realm authenticates
      // (a request that gained these fields later made the handlers' property reads slower).
      principal: undefined,
      claims: undefined,
    };
    if (this.authenticate !== undefined) {
      const identity = this.authenticate(route.name, request);
      if ("kind" in identity) return this.answer(req, res, identity);
      if (identity.principal !== undefined || identity.claims !== undefined) {
        request = { ...request, principal: identity.principal, claims: identity.claims };
      }
    }
    const guardFailure = route.guard?.(request);
    if (guardFailure) return this.answer(req, res, failureResponse(guardFailure));
    if (route.methods !== "*" && !route.methods.includes(request.method)) {
      const failure: HttpFailure = {
        code: "METHOD_NOT_ALLOWED",
        message: `Expecting one of { '${route.methods.join("', '")}' }, but received '${request.method}'`,
        headers: { Allow: route.methods.join(", ") },
      };
      return this.answer(req, res, this.failure(failure));
    }

    if (route.streamBody?.(request) === true) {
      return this.handle(req, res, route, { ...request, bodyStream: req });
    }
    const maxBodyBytes = route.maxBodyBytes ?? this.maxBodyBytes;
    const body = await readBody(req, maxBodyBytes);
    if (body === "too_large") {
      const failure: HttpFailure = {
        code: "BODY_TOO_LARGE",
        message: `Request body exceeds the limit of ${maxBodyBytes} bytes`,
      };
      return this.answer(req, res, this.failure(failure));
    }
    if (body === "aborted") return;

    return this.handle(req, res, route, { ...request, body });
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    withBody: HttpRequest,
  ): Promise<void> {
    let reply: Reply;
    try {
      reply = await route.handler(withBody);
    } catch (error) {
      this.onHandlerError?.(error, withBody);
      reply = this.failure({ code: "INTERNAL_ERROR", message: "Internal Server Error" });
    }
    if (reply.kind === "response") return this.answer(req, res, reply);
    if (reply.kind === "file") return sendFile(req, res, reply);
    if (reply.kind === "chunked") {
      const gzip = this.gzip && acceptsGzip(req.headers["accept-encoding"]);
      return sendChunked(req, res, reply, gzip);
    }
    if (reply.kind === "stream") {
      this.openStream(res, () => new EventStream(res, reply.options), reply.onOpen);
    } else {
      this.openStream(res, () => new SseStream(res, reply.options), reply.onOpen);
    }
  }

  private openStream<S extends OpenStream>(
    res: ServerResponse,
    open: () => S,
    onOpen: (stream: S) => void,
  ): void {
    if (this.closing || res.destroyed) {
      res.destroy();
      return;
    }
    const stream = open();
    this.streams.add(stream);
    stream.onClose(() => this.streams.delete(stream));
    onOpen(stream);
  }

  /** Writes a complete response. */
  private answer(req: IncomingMessage, res: ServerResponse, reply: HttpResponse): void {
    if (res.destroyed) return;
    const headers: Record<string, string | number> = { ...reply.headers };
    let body: Uint8Array | string = reply.body;
    const length = typeof body === "string" ? Buffer.byteLength(body) : body.length;
    if (
      this.gzip &&
      length >= GZIP_MINIMUM_BODY_BYTES &&
      acceptsGzip(req.headers["accept-encoding"])
    ) {
      body = gzipSync(body);
      headers["Content-Encoding"] = "gzip";
      headers.Vary = "Accept-Encoding";
    }
    headers["Content-Length"] = typeof body === "string" ? Buffer.byteLength(body) : body.length;
    // A body left unread (refused early) is discarded as it arrives, so the client can finish
    // sending and read this answer; closing now would reset the connection under it. Node's
    // requestTimeout bounds a client that never stops sending.
    if (!req.complete) req.resume();
    res.writeHead(reply.status, headers);
    res.end(body);
  }
}

const EMPTY_BODY = Buffer.alloc(0);

/** Bytes read from a file per chunk of a FileReply: what one download holds in memory. */
export const FILE_CHUNK_BYTES = 64 * 1024;

/** Streams a file reply with backpressure (never gzipped: its length is known up front). */
function sendFile(req: IncomingMessage, res: ServerResponse, reply: FileReply): void {
  const { file } = reply;
  if (res.destroyed || file.size === 0) {
    if (!res.destroyed) {
      res.writeHead(reply.status, { ...reply.headers, "Content-Length": 0 });
      res.end();
    }
    void file.close();
    return;
  }
  if (!req.complete) req.resume();
  res.writeHead(reply.status, { ...reply.headers, "Content-Length": file.size });
  const chunks = file.handle.createReadStream({
    start: 0,
    end: file.size - 1,
    highWaterMark: FILE_CHUNK_BYTES,
    autoClose: false,
  });
  // A failure midway (the client left, the disk failed) can only cut the response short.
  pipeline(chunks, res)
    .catch(() => res.destroy())
    .finally(() => void file.close());
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

/**
 * Reads the body up to `maxBytes`. A declared Content-Length over the limit is refused before
 * reading; a chunked body is refused as soon as it passes the limit. What is left of a refused
 * body is discarded as it arrives (see `answer`), never held.
 */
function readBody(
  req: IncomingMessage,
  maxBytes: number,
): Promise<Buffer | "too_large" | "aborted"> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) return Promise.resolve("too_large");
  return new Promise((resolve) => new BodyReader(req, maxBytes, resolve).start());
}

/**
 * One request's body being read. Not named closures: under tsx each one costs a
 * defineProperty (esbuild's keepNames) every time it is made, four per request here.
 */
class BodyReader {
  readonly #chunks: Buffer[] = [];
  #total = 0;
  // Assigned, not field initialisers: keepNames wraps those too.
  readonly #onData: (chunk: Buffer) => void;
  readonly #onEnd: () => void;
  readonly #onAbort: () => void;

  constructor(
    private readonly req: IncomingMessage,
    private readonly maxBytes: number,
    private readonly resolve: (body: Buffer | "too_large" | "aborted") => void,
  ) {
    this.#onData = (chunk) => this.#data(chunk);
    this.#onEnd = () => this.#end();
    this.#onAbort = () => this.#settle("aborted");
  }

  start(): void {
    this.req.on("data", this.#onData);
    this.req.on("end", this.#onEnd);
    this.req.on("error", this.#onAbort);
    this.req.on("close", this.#onAbort);
  }

  #data(chunk: Buffer): void {
    this.#total += chunk.length;
    if (this.#total > this.maxBytes) {
      this.#settle("too_large");
      return;
    }
    this.#chunks.push(chunk);
  }

  #end(): void {
    const chunks = this.#chunks;
    this.#settle(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#total));
  }

  #settle(outcome: Buffer | "too_large" | "aborted"): void {
    this.req.off("data", this.#onData);
    this.req.off("end", this.#onEnd);
    this.req.off("error", this.#onAbort);
    this.req.off("close", this.#onAbort);
    this.resolve(outcome);
  }
}

/** True when `Accept-Encoding` lists gzip (or `*`) with a non-zero quality. */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  for (const part of header.split(",")) {
    const [coding, ...params] = part.trim().split(";");
    const name = coding?.trim().toLowerCase();
    if (name !== "gzip" && name !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith("q="));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}
