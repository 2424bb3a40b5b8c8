// `tessera services`: runs the services (Marathon-compatible) framework, and drives it through
// its Marathon REST API (deploy/list/show/scale/restart/rollback/delete).
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { request, subscribeSse } from "../http/client.ts";

const DEFAULT_URL = "http://127.0.0.1:8080";
const POLL_MS = 500;

interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const res = await request(`${url}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = res.body;
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

function print(answer: ApiAnswer): void {
  console.log(JSON.stringify(answer.body, null, 2));
  if (answer.status >= 400) process.exitCode = 1;
}

const appPath = (id: string) => `/v2/apps/${id.replace(/^\//, "")}`;

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
  const sub = await subscribeSse(
    `${url}/v2/events?event_type=deployment_success&event_type=deployment_failed`,
  );
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
): Promise<Outcome> {
  let settled: Outcome | undefined;
  void done.then((o) => {
    settled = o;
  });
  const draw = async () => {
    const app = (await api(url, "GET", appPath(appId))).body as AppCounts;
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
  process.stderr.write("\n");
  return settled ?? { ok: false, reason: `still deploying after ${timeoutMs / 1000} s` };
}

interface ServeOptions {
  master: string;
  http_port: string;
  data_dir: string;
  zk?: string;
  role?: string;
}

export function servicesCommand(): Command {
  const cmd = new Command("services").description(
    "the services framework (Marathon-compatible long-running apps on Tessera)",
  );
  const withUrl = (c: Command) => c.option("--url <url>", "services REST API", DEFAULT_URL);

  cmd
    .command("serve")
    .description("run the services framework process")
    .option("--master <url>", "master URL or zk://host:port/path", "http://127.0.0.1:5050")
    .option("--http_port <port>", "REST API port", "8080")
    .option("--data_dir <dir>", "where apps and instances are stored", "./services-data")
    .option("--zk <url>", "keep apps and instances in ZooKeeper (zk://host:port/path) for HA")
    .option("--role <role>", "the framework's role, also apps' default role (default: services)")
    .action(async (o: ServeOptions) => {
      // Loaded on use, so that the other commands start without compiling the framework.
      const { startServices } = await import("../frameworks/services/start.ts");
      const running = await startServices({
        master: o.master,
        dataDir: o.data_dir,
        httpPort: Number(o.http_port),
        ...(o.role === undefined ? {} : { role: o.role }),
        ...(o.zk === undefined ? {} : { zk: o.zk }),
      });
      console.log(`services API on ${running.url}`);
      const shutdown = () => void running.close().then(() => process.exit(0));
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
    });

  withUrl(cmd.command("deploy <file>").description("create or update an app and follow it"))
    .option("--timeout_s <s>", "give up following after this long", "600")
    .action(async (file: string, o: { url: string; timeout_s: string }) => {
      const app = JSON.parse(readFileSync(file, "utf8")) as { id: string };
      const watch = await watchDeployments(o.url);
      try {
        const exists = (await api(o.url, "GET", appPath(app.id))).status === 200;
        const answer = exists
          ? await api(o.url, "PUT", appPath(app.id), app)
          : await api(o.url, "POST", "/v2/apps", app);
        if (answer.status >= 400) return print(answer);
        const body = answer.body as { deploymentId?: string; deployments?: { id: string }[] };
        const deploymentId = body.deploymentId ?? body.deployments?.[0]?.id;
        if (deploymentId === undefined) return print(answer);
        console.log(`deployment ${deploymentId} started`);
        const timeoutMs = Number(o.timeout_s) * 1000;
        const outcome = await follow(o.url, app.id, watch.outcome(deploymentId), timeoutMs);
        if (outcome.ok) console.log(`deployment ${deploymentId} succeeded`);
        else {
          console.log(`deployment ${deploymentId} failed: ${outcome.reason}`);
          process.exitCode = 1;
        }
      } finally {
        watch.close();
      }
    });

  withUrl(cmd.command("list").description("list apps")).action(async (o: { url: string }) =>
    print(await api(o.url, "GET", "/v2/apps")),
  );
  withUrl(cmd.command("show <id>").description("show an app")).action(
    async (id: string, o: { url: string }) => print(await api(o.url, "GET", appPath(id))),
  );
  withUrl(cmd.command("scale <id> <n>").description("set an app's instance count")).action(
    async (id: string, n: string, o: { url: string }) =>
      print(await api(o.url, "PUT", appPath(id), { instances: Number(n) })),
  );
  withUrl(cmd.command("restart <id>").description("rolling restart of an app")).action(
    async (id: string, o: { url: string }) =>
      print(await api(o.url, "POST", `${appPath(id)}/restart`)),
  );
  withUrl(cmd.command("rollback <id>").description("go back to an earlier app version"))
    .option("--version <v>", "version to restore (default: the previous one)")
    .action(async (id: string, o: { url: string; version?: string }) => {
      let version = o.version;
      if (version === undefined) {
        const versions = (await api(o.url, "GET", `${appPath(id)}/versions`)).body as {
          versions?: string[];
        };
        // Marathon lists versions newest first.
        version = versions.versions?.[1];
      }
      if (version === undefined) {
        console.error("no earlier version to roll back to");
        process.exitCode = 1;
        return;
      }
      print(await api(o.url, "PUT", appPath(id), { version }));
    });
  withUrl(cmd.command("delete <id>").description("delete an app")).action(
    async (id: string, o: { url: string }) => print(await api(o.url, "DELETE", appPath(id))),
  );
  return cmd;
}
