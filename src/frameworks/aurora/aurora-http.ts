// The Aurora API's HTTP shell, on its own port beside the services (Marathon) API in the same
// process: `POST /api/<method>` with a JSON body answers Aurora's Response JSON (200 even for
// a refused call, as Aurora's RPC does: the responseCode says what happened), `/leaderhealth`
// (200 leader, 503 standby) and `/vars.json` (`/vars` as `name value` lines).
import { type HttpResponse, response } from "../../http/response.ts";
import {
  type HttpRequest,
  HttpServer,
  type ListenAddress,
  type RequestIdentity,
} from "../../http/server.ts";
import { AURORA_METHODS, type AuroraApi } from "./aurora-api.ts";
import { type AuroraResponse, auroraResponse, failed } from "./aurora-response.ts";

/** A job file is small; anything larger is a mistake. */
export const AURORA_MAX_BODY_BYTES = 1024 * 1024;

export interface AuroraHttpOptions {
  readonly api: AuroraApi;
  readonly cluster: string;
  /** Whether this scheduler leads (a services framework without election always does). */
  readonly isLeader?: () => boolean;
  readonly nowMs: () => number;
  readonly authenticate?: (route: string, request: HttpRequest) => RequestIdentity;
}

const JSON_HEADERS = { "Content-Type": "application/json" };

export class AuroraHttpServer {
  private readonly server: HttpServer;
  private readonly startedAtMs: number;

  constructor(private readonly options: AuroraHttpOptions) {
    this.startedAtMs = options.nowMs();
    this.server = new HttpServer({
      maxBodyBytes: AURORA_MAX_BODY_BYTES,
      ignoreTrailingSlash: true,
      ...(options.authenticate === undefined ? {} : { authenticate: options.authenticate }),
    });
    this.server.route({
      name: "api",
      subpaths: true,
      methods: ["POST"],
      handler: (req) => this.call(req),
    });
    this.server.route({
      name: "leaderhealth",
      methods: ["GET"],
      handler: () =>
        (options.isLeader?.() ?? true)
          ? response(200, "OK\n")
          : response(503, "not the leading scheduler\n"),
    });
    this.server.route({
      name: "vars.json",
      methods: ["GET"],
      handler: () => response(200, JSON.stringify(this.vars()), JSON_HEADERS),
    });
    this.server.route({
      name: "vars",
      methods: ["GET"],
      handler: () =>
        response(
          200,
          Object.entries(this.vars())
            .map(([k, v]) => `${k} ${v}\n`)
            .join(""),
        ),
    });
  }

  listen(port = 0, host = "127.0.0.1"): Promise<ListenAddress> {
    return this.server.listen({ host, port });
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private answer(body: AuroraResponse): HttpResponse {
    return response(200, JSON.stringify(body), JSON_HEADERS);
  }

  private async call(req: HttpRequest): Promise<HttpResponse> {
    const method = req.tail;
    let body: unknown = {};
    const text = req.body.toString("utf8");
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch (error) {
        const why = `body: not JSON (${(error as Error).message})`;
        return this.answer(auroraResponse(this.options.cluster, failed("INVALID_REQUEST", why)));
      }
    }
    const result = await this.options.api.call(method, body);
    return this.answer(auroraResponse(this.options.cluster, result));
  }

  /** Aurora's `/vars` names where they exist (`scheduler_uptime_secs`), ours beside them. */
  private vars(): Record<string, number> {
    const out: Record<string, number> = {
      scheduler_uptime_secs: Math.floor((this.options.nowMs() - this.startedAtMs) / 1000),
      scheduler_lifecycle_ACTIVE: (this.options.isLeader?.() ?? true) ? 1 : 0,
    };
    for (const m of AURORA_METHODS) out[`api_calls_${m}`] = this.options.api.counters[m] ?? 0;
    for (const [state, n] of Object.entries(this.options.api.taskStateCounts()))
      out[`task_store_${state}`] = n;
    return out;
  }
}
