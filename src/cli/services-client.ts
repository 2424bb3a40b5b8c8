// How `tessera services` talks to the services framework's Marathon REST API: each answer the
// API refuses, a file that cannot be read, or an API that is not running becomes one `error:`
// line (CliError, reported by runAction); changes that start a deployment are followed with a
// progress bar until the deployment ends, whichever command started them.
import { readFileSync } from "node:fs";
import { request, subscribeSse } from "../http/client.ts";
import { CliError } from "./cli-error.ts";

const POLL_MS = 500;

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** One API call; a connection failure is a CliError naming the URL. */
export async function api(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
  let text: string;
  let status: number;
  try {
    const res = await request(`${url}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    text = res.body;
    status = res.status;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CliError(
      "UNREACHABLE",
      `the services API at ${url} did not answer (${why}) — is it running? (\`tessera dev\` starts one)`,
    );
  }
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status, body: parsed };
}

/** Marathon's error body (`{message, details: [{path, errors}]}`) as one line. */
export function refusalMessage(answer: ApiAnswer): string {
  const body = answer.body as {
    message?: unknown;
    details?: { path?: unknown; errors?: unknown }[];
  };
  const message =
    typeof body?.message === "string"
      ? body.message
      : typeof answer.body === "string" && answer.body !== ""
        ? answer.body
        : `HTTP ${answer.status}`;
  const details = Array.isArray(body?.details)
    ? body.details
        .map((d) => {
          const errors = Array.isArray(d.errors) ? d.errors.join(", ") : "";
          return typeof d.path === "string" && d.path !== "" ? `${d.path}: ${errors}` : errors;
        })
        .filter((d) => d !== "")
    : [];
  return details.length === 0 ? message : `${message} (${details.join("; ")})`;
}

/** The answer, or a CliError with the API's own message when it refused the call. */
export async function ok(answer: Promise<ApiAnswer>): Promise<ApiAnswer> {
  const a = await answer;
  if (a.status >= 400) {
    throw new CliError(a.status === 404 ? "NOT_FOUND" : "REFUSED", refusalMessage(a));
  }
  return a;
}

export const appPath = (id: string) => `/v2/apps/${id.replace(/^\//, "")}`;

/** An app definition from a JSON file, or a CliError saying what is wrong with the file. */
export function readAppFile(file: string): { id: string } & Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : code;
    throw new CliError("NOT_FOUND", `cannot read the app definition ${file}: ${why}`);
  }
  let app: unknown;
  try {
    app = JSON.parse(text);
  } catch (error) {
    throw new CliError(
      "BAD_ARGUMENT",
      `${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof app !== "object" || app === null || Array.isArray(app)) {
    throw new CliError("BAD_ARGUMENT", `${file}: an app definition is a JSON object`);
  }
  const id = (app as { id?: unknown }).id;
  if (typeof id !== "string" || id === "") {
    throw new CliError("BAD_ARGUMENT", `${file}: the app has no "id" (e.g. "id": "/web")`);
  }
  return app as { id: string } & Record<string, unknown>;
}

function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((Math.min(done, total) / total) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`;
}

type Outcome = { ok: true } | { ok: false; reason: string };

/**
 * Subscribes to the API's deployment_success/deployment_failed events (`/v2/events`) before the
 * change is sent, so a deployment that ends at once is not missed. `outcome(id)` resolves with
 * the deployment's end: success, or failure (cancelled, rolled back, replaced by a forced one).
 */
async function watchDeployments(url: string) {
  let sub: Awaited<ReturnType<typeof subscribeSse>>;
  try {
    sub = await subscribeSse(
      `${url}/v2/events?event_type=deployment_success&event_type=deployment_failed`,
    );
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CliError(
      "UNREACHABLE",
      `the services API at ${url} did not answer (${why}) — is it running? (\`tessera dev\` starts one)`,
    );
  }
  const ended = new Map<string, Outcome>();
  const waiters = new Map<string, (o: Outcome) => void>();
  const onEvent = (data: string) => {
    const event = JSON.parse(data) as { eventType: string; id: string; reason?: string };
    const outcome: Outcome =
      event.eventType === "deployment_success"
        ? { ok: true }
        : { ok: false, reason: event.reason ?? "cancelled or superseded" };
    ended.set(event.id, outcome);
    waiters.get(event.id)?.(outcome);
  };
  void (async () => {
    try {
      for await (const event of sub.events) onEvent(event.data);
    } catch {
      // closed by close(), or dropped: follow() then gives up at its timeout
    }
  })();
  return {
    outcome(id: string): Promise<Outcome> {
      const known = ended.get(id);
      if (known !== undefined) return Promise.resolve(known);
      return new Promise((resolve) => waiters.set(id, resolve));
    },
    close() {
      sub.close();
    },
  };
}

interface AppCounts {
  app?: { instances?: number; tasksHealthy?: number; tasksRunning?: number; healthChecks?: [] };
}

/** Draws the app's progress (healthy, or running without checks) until `done` settles. */
async function follow(
  url: string,
  appId: string,
  done: Promise<Outcome>,
  timeoutMs: number,
  draws: boolean,
): Promise<Outcome> {
  let settled: Outcome | undefined;
  void done.then((o) => {
    settled = o;
  });
  const draw = async () => {
    if (!draws) return;
    const answer = await api(url, "GET", appPath(appId));
    if (answer.status !== 200) return; // deleted meanwhile
    const app = answer.body as AppCounts;
    const total = app.app?.instances ?? 0;
    const checked = (app.app?.healthChecks?.length ?? 0) > 0;
    const count = (checked ? app.app?.tasksHealthy : app.app?.tasksRunning) ?? 0;
    process.stderr.write(`\r${progressBar(count, total)} ${checked ? "healthy" : "running"}`);
  };
  const deadline = Date.now() + timeoutMs;
  while (settled === undefined && Date.now() < deadline) {
    await draw();
    await Promise.race([done, new Promise((r) => setTimeout(r, POLL_MS))]);
  }
  await draw(); // the final count
  if (draws) process.stderr.write("\n");
  return settled ?? { ok: false, reason: `still deploying after ${timeoutMs / 1000} s` };
}

/**
 * Sends a change that starts a deployment (`send`), then follows that deployment to its end:
 * "deployment ID started", the progress bar (unless `drawProgress` is false, as for a delete),
 * then "succeeded", or "failed: why" with exit code 1.
 */
export async function changeAndFollow(
  url: string,
  appId: string,
  send: () => Promise<ApiAnswer>,
  timeoutMs: number,
  drawProgress = true,
): Promise<void> {
  const watch = await watchDeployments(url);
  try {
    const answer = await ok(send());
    const body = answer.body as { deploymentId?: string; deployments?: { id: string }[] };
    const deploymentId = body?.deploymentId ?? body?.deployments?.[0]?.id;
    if (deploymentId === undefined) {
      console.log("no deployment needed: the app already is as asked");
      return;
    }
    console.log(`deployment ${deploymentId} started`);
    const outcome = await follow(url, appId, watch.outcome(deploymentId), timeoutMs, drawProgress);
    if (outcome.ok) console.log(`deployment ${deploymentId} succeeded`);
    else {
      console.log(`deployment ${deploymentId} failed: ${outcome.reason}`);
      process.exitCode = 1;
    }
  } finally {
    watch.close();
  }
}
