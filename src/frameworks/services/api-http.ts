// The HTTP shell of the services API on src/http's HttpServer: each of ServicesApi's routes
// (prefix routes for the slash ids under /v2/apps, /v2/queue, ...) becomes a server route, the
// answers get Marathon's headers, and `/v2/events` is a Server-Sent Events stream (SseStream).
//
// Marathon's dialect differs from libprocess's, so the server is set up for it: no gzip, a
// trailing slash ignored, and the server's own failures (404, 413) answered as JSON messages.

import {
  failureStatus,
  type HttpFailure,
  type HttpResponse,
  type Reply,
  response,
  sseReply,
} from "../../http/response.ts";
import {
  type HttpRequest,
  HttpServer,
  type ListenAddress,
  type RequestIdentity,
} from "../../http/server.ts";
import type { SseStream } from "../../http/sse-stream.ts";
import { type ApiAnswer, type ApiRoute, ServicesApi, type ServicesApiOptions } from "./api.ts";
import type { ServiceEvent } from "./services-state.ts";

/** Largest request body (Marathon apps are small; a 1 MiB app is already a mistake). */
export const SERVICES_MAX_BODY_BYTES = 1024 * 1024;
/** Per-client SSE backlog before the client is dropped (Marathon's 1024 outstanding events). */
export const SSE_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

const COMMON_HEADERS = { "Cache-Control": "no-cache, no-store, must-revalidate" };

interface SseClient {
  readonly stream: SseStream;
  readonly filter: ReadonlySet<string> | undefined;
}

export class ServicesHttpServer {
  readonly api: ServicesApi;
  private readonly server: HttpServer;
  private readonly clients = new Set<SseClient>();
  private leader = "";

  private readonly durable: (() => Promise<void>) | undefined;
  private readonly beforeChange: (() => Promise<void>) | undefined;

  /** `durable`, when given, resolves once the store has persisted every change made so far: a
   *  change is answered only after it (a store that cannot persist makes the answer 503). */
  constructor(
    options: Omit<ServicesApiOptions, "leader"> & {
      leader?: string;
      durable?: () => Promise<void>;
      /** Awaited before each change (not GET/HEAD): fresh quotas for quota admission. */
      beforeChange?: () => Promise<void>;
      /** Marathon's --http_credentials / --http_realm (api-auth.ts); unset: open. */
      authenticate?: (route: string, request: HttpRequest) => RequestIdentity;
    },
  ) {
    this.api = new ServicesApi({ ...options, leader: options.leader ?? "" });
    this.durable = options.durable;
    this.beforeChange = options.beforeChange;
    this.leader = options.leader ?? "";
    options.state.onEvent((e) => this.broadcast(e));
    this.server = new HttpServer({
      maxBodyBytes: SERVICES_MAX_BODY_BYTES,
      gzip: false,
      ignoreTrailingSlash: true,
      failureResponse: (failure) => this.failure(failure),
      ...(options.authenticate === undefined ? {} : { authenticate: options.authenticate }),
    });
    for (const route of this.api.routes) {
      this.server.route({
        name: route.name,
        subpaths: route.subpaths === true,
        // The API answers methods it does not serve itself, in Marathon's words.
        methods: "*",
        handler: (req) => this.serve(route, req),
      });
    }
  }

  async listen(port = 0, host = "127.0.0.1"): Promise<ListenAddress> {
    const address = await this.server.listen({ host, port });
    if (this.leader === "") this.leader = `${address.host}:${address.port}`;
    this.api.leader = this.leader;
    return address;
  }

  /** Ends the event streams and stops serving. */
  close(): Promise<void> {
    return this.server.close();
  }

  get eventClients(): number {
    return this.clients.size;
  }

  private async serve(route: ApiRoute, req: HttpRequest): Promise<Reply> {
    const changes = req.method !== "GET" && req.method !== "HEAD";
    if (changes && this.beforeChange !== undefined) await this.beforeChange();
    const reply = this.api.serve(
      route,
      {
        method: req.method,
        path: req.path,
        query: req.query,
        body: req.body.toString("utf8"),
        clientIp: req.remoteAddress,
      },
      req.tail,
    );
    if (reply.kind === "events") return this.openEvents(req, reply.filter);
    if (this.durable !== undefined && changes) {
      try {
        await this.durable();
      } catch (error) {
        const message = `The change could not be persisted: ${(error as Error).message}`;
        return this.answer({ kind: "json", status: 503, body: { message } });
      }
    }
    return this.answer(reply);
  }

  /** Unknown paths get the API's own 404; a body over the limit, Marathon's 413 message. */
  private failure(failure: HttpFailure): HttpResponse {
    if (failure.code === "NOT_FOUND") return this.answer(this.api.notFound());
    const message = failure.code === "BODY_TOO_LARGE" ? "Request body too large" : failure.message;
    return this.answer({
      kind: "json",
      status: failureStatus(failure.code),
      body: { message },
      ...(failure.headers === undefined ? {} : { headers: { ...failure.headers } }),
    });
  }

  private answer(reply: ApiAnswer): HttpResponse {
    const headers: Record<string, string> = { ...COMMON_HEADERS };
    if (this.leader !== "") headers["X-Marathon-Leader"] = `http://${this.leader}`;
    if (reply.kind === "text") {
      if (reply.body !== "") headers["Content-Type"] = "text/plain; charset=utf-8";
      return response(reply.status, reply.body, headers);
    }
    return response(reply.status, JSON.stringify(reply.body) ?? "", {
      ...headers,
      "Content-Type": "application/json",
      ...reply.headers,
    });
  }

  private openEvents(req: HttpRequest, filter: ReadonlySet<string> | undefined): Reply {
    return sseReply(
      { headers: COMMON_HEADERS, maxBufferedBytes: SSE_MAX_BUFFERED_BYTES },
      (stream) => {
        const client: SseClient = { stream, filter };
        this.clients.add(client);
        stream.onClose(() => this.clients.delete(client));
        this.send(client, {
          eventType: "event_stream_attached",
          timestamp: new Date().toISOString(),
          remoteAddress: req.remoteAddress,
        });
      },
    );
  }

  private send(client: SseClient, event: ServiceEvent): void {
    if (client.filter !== undefined && !client.filter.has(event.eventType)) return;
    client.stream.send(event.eventType, JSON.stringify(event));
  }

  private broadcast(event: ServiceEvent): void {
    for (const c of this.clients) this.send(c, event);
  }
}
