// `tessera services`: runs the services (Marathon-compatible) framework, and drives it through
// its Marathon REST API (deploy/list/show/scale/restart/rollback/delete).
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { startServices } from "../frameworks/services/start.ts";

const DEFAULT_URL = "http://127.0.0.1:8080";
const POLL_MS = 500;

interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
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

/** Follows a deployment until it leaves /v2/deployments; true when the app is then healthy. */
async function follow(url: string, appId: string, deploymentId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const deployments = (await api(url, "GET", "/v2/deployments")).body as { id: string }[];
    const app = (await api(url, "GET", appPath(appId))).body as {
      app?: { instances?: number; tasksHealthy?: number; tasksRunning?: number };
    };
    const total = app.app?.instances ?? 0;
    const done = app.app?.tasksHealthy ?? app.app?.tasksRunning ?? 0;
    process.stderr.write(`\r${progressBar(done, total)}`);
    if (!deployments.some((d) => d.id === deploymentId)) {
      process.stderr.write("\n");
      return true;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  process.stderr.write("\n");
  return false;
}

export function servicesCommand(): Command {
  const cmd = new Command("services").description(
    "the services framework (Marathon-compatible long-running apps on Tessera)",
  );
  const withUrl = (c: Command) => c.option("--url <url>", "services REST API", DEFAULT_URL);

  cmd
    .command("serve")
    .description("run the services framework process")
    .option("--master <url>", "master URL", "http://127.0.0.1:5050")
    .option("--http_port <port>", "REST API port", "8080")
    .option("--data_dir <dir>", "where apps and instances are stored", "./services-data")
    .action(async (o: { master: string; http_port: string; data_dir: string }) => {
      const running = await startServices({
        master: o.master,
        dataDir: o.data_dir,
        httpPort: Number(o.http_port),
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
      const exists = (await api(o.url, "GET", appPath(app.id))).status === 200;
      const answer = exists
        ? await api(o.url, "PUT", appPath(app.id), app)
        : await api(o.url, "POST", "/v2/apps", app);
      if (answer.status >= 400) return print(answer);
      const body = answer.body as { deploymentId?: string; deployments?: { id: string }[] };
      const deploymentId = body.deploymentId ?? body.deployments?.[0]?.id;
      if (deploymentId === undefined) return print(answer);
      const ok = await follow(o.url, app.id, deploymentId, Number(o.timeout_s) * 1000);
      console.log(
        ok ? `deployment ${deploymentId} succeeded` : `deployment ${deploymentId} failed`,
      );
      if (!ok) process.exitCode = 1;
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
