// How the Aurora API reaches the engines it translates to: the services engine through its own
// Marathon REST API answered in-process (ServicesApi.handle: the same checks, deployments and
// events as an HTTP client gets), the jobs framework and the master over HTTP.
import { postCall, request } from "../../http/client.ts";
import type { ApiReply, ApiRequest } from "../services/api.ts";

/** A request to an engine that did not answer is an operating error, not a crash. */
export const ENGINE_TIMEOUT_MS = 5000;

export interface ServicesHandle {
  handle(req: ApiRequest): ApiReply;
}

export interface EngineAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface EngineClientOptions {
  readonly services: ServicesHandle;
  /** The jobs framework's URL (cron and ad-hoc jobs); undefined: it is not running. */
  readonly jobsUrl?: () => string | undefined;
  /** The master's URL (quota); undefined: unknown. */
  readonly masterUrl?: () => string | undefined;
  /** Awaited after a change to the services engine: resolves once the store persisted it. */
  readonly durable?: () => Promise<void>;
}

const parseBody = (text: string): unknown => {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export class EngineClient {
  constructor(private readonly options: EngineClientOptions) {}

  /** One Marathon REST call, answered by the services engine of this process. */
  async services(method: string, pathAndQuery: string, body?: unknown): Promise<EngineAnswer> {
    const url = new URL(pathAndQuery, "http://services.local");
    const reply = this.options.services.handle({
      method,
      path: url.pathname,
      query: url.searchParams,
      body: body === undefined ? "" : JSON.stringify(body),
      clientIp: "127.0.0.1",
    });
    if (reply.kind === "events") return { status: 400, body: { message: "not a call" } };
    if (method !== "GET" && this.options.durable !== undefined) await this.options.durable();
    return { status: reply.status, body: reply.body };
  }

  get hasJobs(): boolean {
    return this.options.jobsUrl?.() !== undefined;
  }

  /** One Chronos REST call to the jobs framework; path below `/v1/scheduler/`. */
  async jobs(method: string, path: string, body?: unknown): Promise<EngineAnswer> {
    const base = this.options.jobsUrl?.();
    if (base === undefined) return { status: 503, body: { message: "no jobs framework" } };
    try {
      const res = await request(`${base}/v1/scheduler/${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(ENGINE_TIMEOUT_MS),
      });
      return { status: res.status, body: parseBody(res.body) };
    } catch (error) {
      return { status: 503, body: { message: `jobs framework: ${(error as Error).message}` } };
    }
  }

  /** One v1 operator call to the master (GET_QUOTA, UPDATE_QUOTA). */
  async master(call: Record<string, unknown>): Promise<EngineAnswer> {
    const base = this.options.masterUrl?.();
    if (base === undefined) return { status: 503, body: { message: "no master known" } };
    try {
      const res = await postCall(`${base}/api/v1`, JSON.stringify(call), {
        signal: AbortSignal.timeout(ENGINE_TIMEOUT_MS),
      });
      return { status: res.status, body: parseBody(res.body) };
    } catch (error) {
      return { status: 503, body: { message: `master: ${(error as Error).message}` } };
    }
  }
}

/** The message an engine's error answer carries (Marathon and Chronos both use `message`). */
export function answerMessage(answer: EngineAnswer): string {
  const body = answer.body;
  if (typeof body === "string") return body;
  if (typeof body === "object" && body !== null) {
    const b = body as { message?: unknown; details?: unknown };
    const details = Array.isArray(b.details)
      ? (b.details as { path?: string; errors?: string[] }[])
          .map((d) => `${d.path ?? ""} ${(d.errors ?? []).join(", ")}`.trim())
          .join("; ")
      : "";
    if (typeof b.message === "string")
      return details === "" ? b.message : `${b.message}: ${details}`;
  }
  return `answered ${answer.status}`;
}
