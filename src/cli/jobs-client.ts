// HTTP to the jobs framework's Chronos REST API (3.x paths, `/v1/scheduler/...`). Where it is:
// `--jobs`, else `TESSERA_JOBS`, else http://127.0.0.1:4400 (Chronos's old default port). Every
// failure becomes a CliError whose message says what went wrong and what to do next; the
// API's own Chronos-shaped errors (`{"message", "status"}`) are passed on in its words.
import { request } from "../http/client.ts";
import { CliError } from "./cli-error.ts";

export const DEFAULT_JOBS_URL = "http://127.0.0.1:4400";
export const JOBS_ENV = "TESSERA_JOBS";
/** Longest wait for one answer from the jobs framework. */
export const JOBS_REQUEST_TIMEOUT_MS = 30_000;

export interface JobsOptions {
  jobs?: string;
}

/** The API's base URL (flag over environment over default), without a trailing slash. */
export function jobsUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[JOBS_ENV];
  const text =
    flag !== undefined && flag !== ""
      ? flag
      : fromEnv !== undefined && fromEnv !== ""
        ? fromEnv
        : DEFAULT_JOBS_URL;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(
      "BAD_ADDRESS",
      `cannot read the jobs address '${text}' (want http://HOST:PORT)`,
    );
  }
  return url.toString().replace(/\/+$/, "");
}

export interface JobsAnswer {
  readonly status: number;
  readonly text: string;
}

export class JobsClient {
  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  static fromOptions(opts: JobsOptions): JobsClient {
    return new JobsClient(jobsUrl(opts.jobs));
  }

  /** One call; any answer with status >= 400 is turned into a CliError. */
  async call(method: string, path: string, body?: unknown): Promise<JobsAnswer> {
    let res: { status: number; body: string };
    try {
      res = await request(`${this.url}${path}`, {
        method,
        signal: AbortSignal.timeout(JOBS_REQUEST_TIMEOUT_MS),
        headers: { Accept: "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code ?? (error as Error).name;
      throw new CliError(
        "NO_MASTER",
        `no jobs framework answers at ${this.url} (${String(code)}); start one with ` +
          `'tessera jobs serve' or 'tessera dev', or point --jobs / ${JOBS_ENV} at it`,
      );
    }
    if (res.status >= 400) throw refusal(res.status, res.body, method, path);
    return { status: res.status, text: res.body };
  }

  /** A GET whose answer is JSON. */
  async json<T>(path: string): Promise<T> {
    const answer = await this.call("GET", path);
    try {
      return JSON.parse(answer.text) as T;
    } catch {
      throw new CliError(
        "REFUSED",
        `the jobs framework answered GET ${path} with something that is not JSON`,
      );
    }
  }
}

/** The API's error, in its own words: Chronos sends `{"message": ..., "status": ...}`. */
function refusal(status: number, body: string, method: string, path: string): CliError {
  let message = body.trim();
  try {
    const parsed = JSON.parse(body) as { message?: unknown; reason?: unknown };
    if (typeof parsed.message === "string") {
      message = parsed.message;
      if (typeof parsed.reason === "string" && !message.includes(parsed.reason)) {
        message += `: ${parsed.reason}`;
      }
    }
  } catch {
    // plain text (Chronos answers some errors so): used as it is
  }
  if (message === "") message = `${method} ${path} answered ${status}`;
  return new CliError(status === 404 ? "NOT_FOUND" : "REFUSED", message);
}

/** `/v1/scheduler/job/<name>` and friends, with the name escaped. */
export const jobPath = (name: string, suffix = "") =>
  `/v1/scheduler/job/${encodeURIComponent(name)}${suffix}`;
