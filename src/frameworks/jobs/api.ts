// The Chronos REST API (reference §2.4) over JobsState, under both the 3.x prefix
// `/v1/scheduler` and the 2.x prefix `/scheduler`, plus `/ping`, `/metrics` and `/leader`.
// Tessera's additions: `GET .../job/<name>/history` (the last runs with sandbox links and why a
// queued run is not running) and `GET .../queue`. Errors keep Chronos's shape,
// `{"message": ..., "status": "Bad Request"}`, with a message instead of a stack trace; a change
// is answered only after the store made it durable (api-http.ts awaits that).

import {
  graphCsv,
  graphDot,
  jobJson,
  jobStatJson,
  PERCENTILES,
  percentileJson,
  runJson,
  sortedJobs,
  summaryJson,
} from "./api-json.ts";
import { JobDefinitionSchema } from "./job-definition.ts";
import type { JobsEffect, JobsState } from "./jobs-state.ts";
import type { JobsError, PutEndpoint, Result } from "./jobs-types.ts";

export interface ApiRequest {
  readonly method: string;
  /** The path below the prefix (`jobs/search`, `job/nightly`). */
  readonly tail: string;
  readonly query: URLSearchParams;
  readonly body: string;
}

export type ApiReply =
  | { readonly kind: "json"; readonly status: number; readonly body: unknown }
  | { readonly kind: "text"; readonly status: number; readonly body: string };

export interface JobsApiOptions {
  readonly state: JobsState;
  readonly nowMs: () => number;
  readonly effects: (effects: JobsEffect[]) => void;
  /** `host:port` of the leader, as `/leader` reports it. */
  readonly leader: () => string;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export const json = (status: number, body: unknown): ApiReply => ({ kind: "json", status, body });
const text = (status: number, body: string): ApiReply => ({ kind: "text", status, body });
export const errorReply = (status: number, message: string): ApiReply =>
  json(status, { message, status: STATUS_TEXT[status] ?? "Error" });
const noContent = (): ApiReply => text(204, "");
const notAllowed = () => errorReply(405, "Method Not Allowed");
// Chronos answers a missing job (a failed `require`) with 400.
const failed = (e: JobsError) => errorReply(400, e.message);

/** The request body as a job definition, or Chronos's 400. */
function parseJob(body: string): Result<ReturnType<typeof JobDefinitionSchema.parse>> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return {
      ok: false,
      error: { code: "INVALID", message: `Invalid JSON: ${(error as Error).message}` },
    };
  }
  const parsed = JobDefinitionSchema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? "" : `${issue.path.join(".")}: `;
  return {
    ok: false,
    error: { code: "INVALID", message: `Invalid job: ${where}${issue?.message ?? "malformed"}` },
  };
}

export class JobsApi {
  readonly counters = { requests: 0 };

  constructor(private readonly options: JobsApiOptions) {}

  private get state(): JobsState {
    return this.options.state;
  }
  private now(): number {
    return this.options.nowMs();
  }

  /** Serves a request below `/scheduler/` or `/v1/scheduler/`. */
  serve(req: ApiRequest): ApiReply {
    this.counters.requests++;
    const parts = req.tail.split("/").filter((p) => p !== "");
    const [a, b, c, d] = parts;
    const m = req.method;
    if (a === "jobs" && parts.length === 1) return m === "GET" ? this.list() : notAllowed();
    if (a === "jobs" && b === "search" && parts.length === 2)
      return m === "GET" ? this.search(req.query) : notAllowed();
    if (a === "jobs" && b === "summary" && parts.length === 2)
      return m === "GET" ? json(200, summaryJson(this.state)) : notAllowed();
    if ((a === "iso8601" || a === "dependency") && parts.length === 1)
      return m === "POST" || m === "PUT" ? this.put(a, req.body) : notAllowed();
    if (a === "job" && b === "success" && c !== undefined && parts.length === 3)
      return m === "PUT" ? this.markSuccess(c) : notAllowed();
    if (a === "job" && b === "stat" && c !== undefined && parts.length === 3)
      return m === "GET"
        ? this.withJob(c, () => json(200, jobStatJson(this.state, c)))
        : notAllowed();
    if (a === "job" && b !== undefined && c === "history" && parts.length === 3)
      return m === "GET" ? this.history(b) : notAllowed();
    if (
      a === "job" &&
      b !== undefined &&
      c === "task" &&
      parts[4] === "progress" &&
      d !== undefined
    )
      return m === "POST" ? this.withJob(b, noContent) : notAllowed();
    if (a === "job" && b !== undefined && parts.length === 2) return this.job(m, b, req.query);
    if (a === "task" && b === "kill" && c !== undefined && parts.length === 3)
      return m === "DELETE" ? this.kill(c) : notAllowed();
    if (a === "stats" && b !== undefined && parts.length === 2)
      return m === "GET" ? this.percentile(b) : notAllowed();
    if (a === "graph" && (b === "dot" || b === "csv") && parts.length === 2)
      return m === "GET"
        ? text(200, b === "dot" ? graphDot(this.state) : graphCsv(this.state))
        : notAllowed();
    if (a === "leader" && parts.length === 1) return this.leader();
    if (a === "queue" && parts.length === 1) return m === "GET" ? this.queue() : notAllowed();
    return errorReply(404, `No such endpoint: ${req.tail}`);
  }

  leader(): ApiReply {
    return json(200, { leader: this.options.leader() });
  }

  metrics(): ApiReply {
    const s = this.state;
    return json(200, {
      version: "4.0.0",
      gauges: {
        "jobs.count": { value: s.jobs().length },
        "jobs.runs.queued": { value: s.queuedCount },
        "jobs.runs.stored": { value: s.runCount },
      },
      counters: {
        "jobs.runs.launched": { count: s.counters.runsLaunched },
        "jobs.runs.succeeded": { count: s.counters.runsSucceeded },
        "jobs.runs.failed": { count: s.counters.runsFailed },
        "jobs.runs.killed": { count: s.counters.runsKilled },
        "jobs.occurrences.skipped": { count: s.counters.occurrencesSkipped },
        "api.requests": { count: this.counters.requests },
      },
      histograms: {},
      meters: {},
      timers: {},
    });
  }

  private list(): ApiReply {
    return json(
      200,
      sortedJobs(this.state).map((j) => jobJson(this.state, j)),
    );
  }

  private search(q: URLSearchParams): ApiReply {
    const name = q.get("name")?.toLowerCase();
    const command = q.get("command")?.toLowerCase();
    const any = q.get("any")?.toLowerCase();
    const limit = Number(q.get("limit") ?? 10);
    const offset = Number(q.get("offset") ?? 0);
    if (!Number.isInteger(limit) || limit < 0 || !Number.isInteger(offset) || offset < 0)
      return errorReply(400, "limit and offset must be non-negative integers");
    const found = sortedJobs(this.state).filter((j) => {
      const d = j.definition;
      const n = d.name.toLowerCase();
      const c = d.command.toLowerCase();
      if (name !== undefined && !n.includes(name)) return false;
      if (command !== undefined && !c.includes(command)) return false;
      if (any !== undefined) {
        const texts = [n, c, d.description.toLowerCase(), d.owner.toLowerCase()];
        if (!texts.some((t) => t.includes(any))) return false;
      }
      return true;
    });
    return json(
      200,
      found.slice(offset, offset + limit).map((j) => jobJson(this.state, j)),
    );
  }

  private put(endpoint: PutEndpoint, body: string): ApiReply {
    const parsed = parseJob(body);
    if (!parsed.ok) return failed(parsed.error);
    const { result, calls } = this.state.putJob(parsed.value, endpoint, this.now());
    this.options.effects(calls);
    return result.ok ? noContent() : failed(result.error);
  }

  private withJob(name: string, then: () => ApiReply): ApiReply {
    if (this.state.job(name) === undefined) return errorReply(400, `Job '${name}' not found`);
    return then();
  }

  private job(method: string, name: string, q: URLSearchParams): ApiReply {
    const job = this.state.job(name);
    if (method === "GET")
      return job === undefined
        ? errorReply(400, `Job '${name}' not found`)
        : json(200, jobJson(this.state, job));
    if (method === "PUT") {
      // `?arguments=` is one string appended to the command's arguments (split on spaces).
      const given = q.get("arguments");
      const args = given === null || given === "" ? [] : given.split(" ").filter((x) => x !== "");
      const { result, calls } = this.state.runNow(name, args, this.now());
      this.options.effects(calls);
      return result.ok ? noContent() : failed(result.error);
    }
    if (method === "DELETE") {
      const { result, calls } = this.state.deleteJob(name, this.now());
      this.options.effects(calls);
      return result.ok ? noContent() : failed(result.error);
    }
    return notAllowed();
  }

  private markSuccess(name: string): ApiReply {
    const { result, calls } = this.state.markSuccess(name, this.now());
    this.options.effects(calls);
    return result.ok ? text(200, `marked job ${name} as successful: true`) : failed(result.error);
  }

  private kill(name: string): ApiReply {
    const { result, calls } = this.state.killJob(name, this.now());
    this.options.effects(calls);
    return result.ok ? noContent() : failed(result.error);
  }

  private percentile(which: string): ApiReply {
    if (!(which in PERCENTILES) && which !== "mean")
      return errorReply(
        400,
        `Unknown statistic '${which}': one of ${[...Object.keys(PERCENTILES), "mean"].join(", ")}`,
      );
    return json(200, percentileJson(this.state, which as keyof typeof PERCENTILES | "mean"));
  }

  private history(name: string): ApiReply {
    if (this.state.job(name) === undefined) return errorReply(400, `Job '${name}' not found`);
    const fw = this.state.frameworkId();
    const now = this.now();
    return json(200, {
      name,
      runs: this.state
        .runsOf(name)
        .map((r) =>
          runJson(r, fw, r.state === "queued" ? this.state.whyWaiting(r, now) : undefined),
        ),
    });
  }

  private queue(): ApiReply {
    return json(200, {
      queue: this.state.queue(this.now()).map(({ run, why }) => ({
        job: run.job,
        runId: run.runId,
        due: new Date(run.dueMs).toISOString(),
        attempt: run.attempt,
        waiting: why.waiting,
        detail: why.detail,
      })),
    });
  }
}
