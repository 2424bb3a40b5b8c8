// The HTTP shell of the services API: a plain Node server that hands each request to
// ServicesApi and writes the answer, plus the `/v2/events` Server-Sent Events stream.
//
// Why not src/http's HttpServer: its route table matches exact paths and its streams are
// RecordIO; Marathon's API needs path-prefix routes (slash ids) and SSE framing
// (`event: <type>\ndata: <json>\n\n`). When HttpServer gains a prefix/fallback route and a
// pluggable stream framing this shell can move onto it (noted for the lead).
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApiReply, ServicesApi, type ServicesApiOptions } from "./api.ts";
import type { ServiceEvent } from "./services-state.ts";

/** Largest request body (Marathon apps are small; a 1 MiB app is already a mistake). */
export const SERVICES_MAX_BODY_BYTES = 1024 * 1024;
/** Per-client SSE backlog before the client is dropped (Marathon's 1024 outstanding events). */
export const SSE_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

const COMMON_HEADERS = { "Cache-Control": "no-cache, no-store, must-revalidate" };

interface SseClient {
  readonly res: ServerResponse;
  readonly filter: ReadonlySet<string> | undefined;
}

export class ServicesHttpServer {
  readonly api: ServicesApi;
  private readonly server: Server;
  private readonly clients = new Set<SseClient>();
  private leader = "";

  private readonly durable: (() => Promise<void>) | undefined;

  /** `durable`, when given, resolves once the store has persisted every change made so far: a
   *  change is answered only after it (a store that cannot persist makes the answer 503). */
  constructor(
    options: Omit<ServicesApiOptions, "leader"> & {
      leader?: string;
      durable?: () => Promise<void>;
    },
  ) {
    this.api = new ServicesApi({ ...options, leader: options.leader ?? "" });
    this.durable = options.durable;
    this.leader = options.leader ?? "";
    options.state.onEvent((e) => this.broadcast(e));
    this.server = createServer((req, res) => {
      this.serve(req, res).catch(() => res.destroy());
    });
  }

  async listen(port = 0, host = "127.0.0.1"): Promise<{ host: string; port: number }> {
    this.server.listen(port, host);
    await once(this.server, "listening");
    const address = this.server.address() as AddressInfo;
    if (this.leader === "") this.leader = `${address.address}:${address.port}`;
    this.api.leader = this.leader;
    return { host: address.address, port: address.port };
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    const closed = once(this.server, "close");
    this.server.close();
    this.server.closeAllConnections();
    await closed;
  }

  get eventClients(): number {
    return this.clients.size;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? "/";
    const at = raw.indexOf("?");
    let path = at === -1 ? raw : raw.slice(0, at);
    try {
      path = decodeURIComponent(path);
    } catch {
      // keep the raw path; the router answers 404
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > SERVICES_MAX_BODY_BYTES) {
        this.write(res, { kind: "json", status: 413, body: { message: "Request body too large" } });
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const reply = this.api.handle({
      method: req.method ?? "GET",
      path: path.length > 1 ? path.replace(/\/+$/, "") : path,
      query: new URLSearchParams(at === -1 ? "" : raw.slice(at + 1)),
      body: Buffer.concat(chunks).toString("utf8"),
      clientIp: req.socket.remoteAddress ?? "",
    });
    if (reply.kind === "events") {
      this.openEvents(req, res, reply.filter);
      return;
    }
    if (this.durable !== undefined && req.method !== "GET" && req.method !== "HEAD") {
      try {
        await this.durable();
      } catch (error) {
        const message = `The change could not be persisted: ${(error as Error).message}`;
        this.write(res, { kind: "json", status: 503, body: { message } });
        return;
      }
    }
    this.write(res, reply);
  }

  private write(res: ServerResponse, reply: Exclude<ApiReply, { kind: "events" }>): void {
    const headers: Record<string, string> = { ...COMMON_HEADERS };
    if (this.leader !== "") headers["X-Marathon-Leader"] = `http://${this.leader}`;
    if (reply.kind === "text") {
      if (reply.body !== "") headers["Content-Type"] = "text/plain; charset=utf-8";
      res.writeHead(reply.status, headers);
      res.end(reply.body);
      return;
    }
    const body = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...headers,
      "Content-Type": "application/json",
      ...reply.headers,
    });
    res.end(body);
  }

  private openEvents(
    req: IncomingMessage,
    res: ServerResponse,
    filter: ReadonlySet<string> | undefined,
  ): void {
    res.writeHead(200, { ...COMMON_HEADERS, "Content-Type": "text/event-stream" });
    res.flushHeaders();
    const client: SseClient = { res, filter };
    this.clients.add(client);
    res.on("close", () => this.clients.delete(client));
    this.send(client, {
      eventType: "event_stream_attached",
      timestamp: new Date().toISOString(),
      remoteAddress: req.socket.remoteAddress ?? "",
    });
  }

  private send(client: SseClient, event: ServiceEvent): void {
    if (client.filter !== undefined && !client.filter.has(event.eventType)) return;
    if (client.res.writableLength > SSE_MAX_BUFFERED_BYTES) {
      client.res.destroy();
      this.clients.delete(client);
      return;
    }
    client.res.write(`event: ${event.eventType}\ndata: ${JSON.stringify(event)}\n\n`);
  }

  private broadcast(event: ServiceEvent): void {
    for (const c of this.clients) this.send(c, event);
  }
}
