// The HTTP shell of the jobs API on src/http's HttpServer. The leader serves the Chronos API
// itself and answers a change only once the store has made it durable; a standby (with `--zk`)
// proxies every API request to the leader and copies back status, content type and body, as
// Chronos's RedirectFilter does (reference §2.1) — so any instance answers (reference §4 #27).
// `/ping` and `/leader` are answered by every instance itself.
import { type HttpFailure, type HttpResponse, response } from "../../http/response.ts";
import { type HttpRequest, HttpServer, type RequestIdentity } from "../../http/server.ts";
import { type ApiReply, errorReply, type JobsApi } from "./api.ts";

/** Largest request body: a job definition is a few KB. */
export const JOBS_MAX_BODY_BYTES = 1024 * 1024;
/** How long a standby waits for the leader's answer before a 503. */
export const JOBS_PROXY_TIMEOUT_MS = 30_000;

/** Who serves: this instance's API while it leads, or where the leader is. */
export interface JobsServing {
  /** The API while this instance leads; undefined on a standby. */
  api(): JobsApi | undefined;
  /** Resolves once every change so far is durable (rejects when the store cannot persist). */
  durable(): Promise<void>;
  /** The leader's `http://host:port`, undefined while none is known. */
  leaderUrl(): string | undefined;
}

function answer(reply: ApiReply): HttpResponse {
  if (reply.kind === "text")
    return response(
      reply.status,
      reply.body,
      reply.body === "" ? {} : { "Content-Type": "text/plain; charset=utf-8" },
    );
  return response(reply.status, JSON.stringify(reply.body), { "Content-Type": "application/json" });
}

export class JobsHttpServer {
  private readonly server: HttpServer;

  constructor(
    private readonly serving: JobsServing,
    /** Chronos's --http_credentials / --http_realm (services/api-auth.ts); unset: open. */
    authenticate?: (route: string, request: HttpRequest) => RequestIdentity,
  ) {
    this.server = new HttpServer({
      ...(authenticate === undefined ? {} : { authenticate }),
      maxBodyBytes: JOBS_MAX_BODY_BYTES,
      gzip: false,
      ignoreTrailingSlash: true,
      failureResponse: (failure: HttpFailure) =>
        answer(errorReply(failure.code === "NOT_FOUND" ? 404 : 400, failure.message)),
    });
    for (const name of ["v1/scheduler", "scheduler"]) {
      this.server.route({
        name,
        subpaths: true,
        methods: "*",
        handler: (req) =>
          this.serveApi(req, (api) => api.serve({ ...req, body: req.body.toString("utf8") })),
      });
    }
    this.server.route({
      name: "ping",
      methods: ["GET"],
      handler: () => response(200, "pong", { "Content-Type": "text/plain; charset=utf-8" }),
    });
    this.server.route({
      name: "leader",
      methods: ["GET"],
      handler: () => answer({ kind: "json", status: 200, body: { leader: this.leaderHostPort() } }),
    });
    this.server.route({
      name: "metrics",
      methods: ["GET"],
      handler: (req) => this.serveApi(req, (api) => api.metrics()),
    });
  }

  private leaderHostPort(): string {
    const url = this.serving.leaderUrl();
    return url === undefined ? "" : url.replace(/^https?:\/\//, "");
  }

  listen(port: number, host: string): Promise<{ host: string; port: number }> {
    return this.server.listen({ host, port });
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async serveApi(req: HttpRequest, run: (api: JobsApi) => ApiReply): Promise<HttpResponse> {
    const api = this.serving.api();
    if (api === undefined) return this.proxy(req);
    // `leader` below the prefix is the instance's own view too, leader or not.
    const reply = run(api);
    if (req.method !== "GET" && req.method !== "HEAD" && reply.status < 300) {
      try {
        await this.serving.durable();
      } catch (error) {
        return answer(
          errorReply(503, `The change could not be persisted: ${(error as Error).message}`),
        );
      }
    }
    return answer(reply);
  }

  /** A standby's answer: the leader's, copied. */
  private async proxy(req: HttpRequest): Promise<HttpResponse> {
    const leader = this.serving.leaderUrl();
    if (leader === undefined)
      return answer(errorReply(503, "No jobs leader is serving yet; retry shortly"));
    try {
      const init: RequestInit = {
        method: req.method,
        headers: {
          "Content-Type": req.headers["content-type"] ?? "application/json",
          // Every instance has the same --http_credentials: the caller's login is the leader's.
          ...(typeof req.headers.authorization === "string"
            ? { Authorization: req.headers.authorization }
            : {}),
        },
        signal: AbortSignal.timeout(JOBS_PROXY_TIMEOUT_MS),
      };
      if (req.method !== "GET" && req.method !== "HEAD" && req.body.length > 0)
        init.body = req.body.toString("utf8");
      const res = await fetch(`${leader}${req.url}`, init);
      const body = await res.text();
      const type = res.headers.get("content-type");
      return response(res.status, body, type === null ? {} : { "Content-Type": type });
    } catch (error) {
      return answer(errorReply(503, `The leader at ${leader} did not answer: ${String(error)}`));
    }
  }
}
