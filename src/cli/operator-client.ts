// HTTP to a master's operator API (`POST /api/v1` with a JSON `master::Call`, reference §4.1)
// and its legacy JSON endpoints (`/master/state`, ...), and to an agent's (`/state`,
// `/files/read`, agent `POST /api/v1`). A 307 from a non-leading master is followed to the
// leader it names (Mesos answers `Location: //host:port/path`); every failure becomes a
// CliError whose message says what to do next.
import { type CallResponse, request as httpRequest } from "../http/client.ts";
import { CliError } from "./cli-error.ts";
import { masterAddressText, resolveMasterUrl } from "./master-address.ts";

/** Redirects followed before giving up (a leader changing under us more often is a bug). */
const MAX_REDIRECTS = 3;
/** Longest wait for one answer from a master or an agent. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** The URL that answered (after redirects). */
  readonly url: string;
}

function hostPort(url: string): string {
  const u = new URL(url);
  return u.host;
}

/** The system error code (ECONNREFUSED, ...) of a failed request; TimeoutError for ours. */
function networkCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; name?: unknown; cause?: { name?: unknown } } | undefined;
  if (e?.name === "AbortError" && typeof e.cause?.name === "string") return e.cause.name;
  return typeof e?.code === "string" ? e.code : undefined;
}

/** One request with redirects followed by hand (a 307 from a standby names the leader). */
async function request(
  url: string,
  init: { method: "GET" | "POST"; body?: string },
  unreachable: (target: string, code: string | undefined) => CliError,
): Promise<HttpAnswer> {
  let target = url;
  for (let hop = 0; ; hop++) {
    let res: CallResponse;
    try {
      res = await httpRequest(target, {
        method: init.method,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        ...(init.body === undefined
          ? {}
          : { body: init.body, headers: { Accept: "application/json" } }),
      });
    } catch (error) {
      throw unreachable(target, networkCode(error) ?? (error as Error).name);
    }
    const location = res.headers.location;
    if (res.status === 307 && location !== undefined && hop < MAX_REDIRECTS) {
      target = new URL(location, target).toString();
      continue;
    }
    return { status: res.status, body: res.body, url: target };
  }
}

function parseJson(answer: HttpAnswer, what: string): unknown {
  if (answer.body.trim() === "") return undefined;
  try {
    return JSON.parse(answer.body);
  } catch {
    throw new CliError("REFUSED", `${what} answered with something that is not JSON`);
  }
}

function refused(what: string, answer: HttpAnswer): CliError {
  const text = answer.body.trim().split("\n")[0] ?? "";
  if (answer.status === 503) {
    return new CliError("REFUSED", `${what} is not ready (503 ${text}) — try again in a moment`);
  }
  if (answer.status === 401) {
    return new CliError(
      "REFUSED",
      `${what} asks for credentials (401): give --principal and --secret, or set TESSERA_PRINCIPAL and TESSERA_SECRET`,
    );
  }
  return new CliError("REFUSED", `${what} refused the request: ${answer.status} ${text}`.trim());
}

/** A connection to the leading master, by the address the user gave. */
export class MasterClient {
  /** The base URL of the master in use (the leader after a redirect). */
  baseUrl: string;

  private constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  /** Resolves `--master`/TESSERA_MASTER (zk:// included) to a master. */
  static async connect(flag: string | undefined): Promise<MasterClient> {
    return new MasterClient(await resolveMasterUrl(masterAddressText(flag)));
  }

  private unreachable = (target: string, code: string | undefined): CliError => {
    const where = hostPort(target);
    if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
      return new CliError("NO_MASTER", `no master at ${where} — start one with \`tessera dev\``);
    }
    if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code)) {
      return new CliError(
        "NO_MASTER",
        `the master at ${where} was not trusted over TLS (${code}) — give its CA with --ca_file or TESSERA_CA_FILE`,
      );
    }
    return new CliError(
      "NO_MASTER",
      `the master at ${where} did not answer (${code ?? "network error"}) — is it running? (\`tessera dev\` starts one)`,
    );
  };

  private follow(answer: HttpAnswer, path: string): void {
    // Remember the leader a redirect led to, so later calls go there directly.
    const at = new URL(answer.url);
    if (at.pathname.endsWith(path)) {
      this.baseUrl = `${at.protocol}//${at.host}${at.pathname.slice(0, -path.length)}`;
    }
  }

  /** POST /api/v1 with a master::Call; returns the parsed answer (undefined when empty). */
  async call(call: { type: string } & Record<string, unknown>): Promise<unknown> {
    const path = "/api/v1";
    const answer = await request(
      `${this.baseUrl}${path}`,
      { method: "POST", body: JSON.stringify(call) },
      this.unreachable,
    );
    this.follow(answer, path);
    if (answer.status !== 200) throw refused(`the master (${call.type})`, answer);
    return parseJson(answer, "the master");
  }

  /** GET of a legacy endpoint such as `/master/state`. */
  async getJson(path: string): Promise<unknown> {
    const answer = await request(`${this.baseUrl}${path}`, { method: "GET" }, this.unreachable);
    this.follow(answer, path);
    if (answer.status !== 200) throw refused(`the master (${path})`, answer);
    return parseJson(answer, "the master");
  }
}

function agentUnreachable(target: string, code: string | undefined): CliError {
  return new CliError(
    "UNREACHABLE",
    `cannot reach the agent at ${hostPort(target)} (${code ?? "network error"})`,
  );
}

/** GET on an agent; returns the raw answer (callers decide what a 404 means). */
export function agentGet(agentUrl: string, pathAndQuery: string): Promise<HttpAnswer> {
  return request(`${agentUrl}${pathAndQuery}`, { method: "GET" }, agentUnreachable);
}

/** POST /api/v1 on an agent with an agent::Call. */
export async function agentCall(
  agentUrl: string,
  call: { type: string } & Record<string, unknown>,
): Promise<HttpAnswer> {
  return request(
    `${agentUrl}/api/v1`,
    { method: "POST", body: JSON.stringify(call) },
    agentUnreachable,
  );
}

export { parseJson, refused };
