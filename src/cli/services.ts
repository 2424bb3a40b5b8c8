// `tessera services`: runs the services (Marathon-compatible) framework, and drives it through
// its Marathon REST API (deploy/list/show/scale/restart/rollback/delete).
import { Command } from "commander";
import { CliError, usageError } from "./cli-error.ts";
import { jsonOption, runAction } from "./command-kit.ts";
import { applyCliCredential, credentialOptions } from "./credentials.ts";
import { type Column, formatScalar, printJson, printTable } from "./output.ts";
import { api, appPath, changeAndFollow, ok, readAppFile } from "./services-client.ts";
import {
  addServeSecurityOptions,
  type ServeSecurityOptions,
  serveSecurity,
} from "./services-security.ts";
import { addTierOptions, type TierOptions, tierServeOptions } from "./services-tiers.ts";
import { withServerTlsOptions } from "./tls-options.ts";

const DEFAULT_URL = "http://127.0.0.1:8080";

interface AppRow {
  id: string;
  instances?: number;
  tasksRunning?: number;
  tasksHealthy?: number;
  tasksStaged?: number;
  cpus?: number;
  mem?: number;
  disk?: number;
  cmd?: string | null;
  version?: string;
  healthChecks?: unknown[];
  deployments?: { id: string }[];
  container?: { docker?: { image?: string } } | null;
  tasks?: {
    id: string;
    host?: string;
    state?: string;
    startedAt?: string | null;
    healthCheckResults?: { alive?: boolean }[];
  }[];
  lastTaskFailure?: { message?: string; state?: string; timestamp?: string } | null;
}

const APP_COLUMNS: readonly Column<AppRow>[] = [
  { header: "ID", value: (a) => a.id },
  { header: "RUNNING", value: (a) => `${a.tasksRunning ?? 0}/${a.instances ?? 0}` },
  {
    header: "HEALTHY",
    value: (a) => ((a.healthChecks?.length ?? 0) > 0 ? String(a.tasksHealthy ?? 0) : "-"),
  },
  { header: "CPUS", value: (a) => formatScalar(a.cpus) },
  { header: "MEM", value: (a) => formatScalar(a.mem) },
  { header: "DEPLOYING", value: (a) => ((a.deployments?.length ?? 0) > 0 ? "yes" : "no") },
  { header: "COMMAND", value: (a) => a.cmd ?? a.container?.docker?.image ?? "-" },
];

type AppTask = NonNullable<AppRow["tasks"]>[number];
const TASK_COLUMNS: readonly Column<AppTask>[] = [
  { header: "TASK", value: (t) => t.id },
  { header: "HOST", value: (t) => t.host ?? "-" },
  { header: "STATE", value: (t) => t.state ?? "-" },
  { header: "STARTED", value: (t) => t.startedAt ?? "-" },
  {
    header: "HEALTH",
    value: (t) =>
      t.healthCheckResults === undefined || t.healthCheckResults.length === 0
        ? "-"
        : t.healthCheckResults.every((r) => r.alive === true)
          ? "healthy"
          : "unhealthy",
  },
];

function printApp(app: AppRow): void {
  const lines = [
    ["id", app.id],
    ["version", app.version ?? "-"],
    [
      "instances",
      `${app.instances ?? 0} (running ${app.tasksRunning ?? 0}, healthy ${app.tasksHealthy ?? 0}, staged ${app.tasksStaged ?? 0})`,
    ],
    [
      "resources",
      `cpus ${formatScalar(app.cpus)}, mem ${formatScalar(app.mem)} MB, disk ${formatScalar(app.disk)} MB`,
    ],
    ["command", app.cmd ?? app.container?.docker?.image ?? "-"],
    ["deployments", (app.deployments ?? []).map((d) => d.id).join(", ") || "none"],
  ];
  const failure = app.lastTaskFailure;
  if (failure !== null && failure !== undefined) {
    lines.push([
      "last failure",
      `${failure.state ?? ""} ${failure.timestamp ?? ""}: ${failure.message ?? ""}`.trim(),
    ]);
  }
  for (const [key, value] of lines) console.log(`${`${key}:`.padEnd(14)}${value}`);
  const tasks = app.tasks ?? [];
  if (tasks.length > 0) {
    console.log("");
    printTable(TASK_COLUMNS, tasks);
  }
}

interface ServeOptions extends ServeSecurityOptions, TierOptions {
  master: string;
  http_port: string;
  data_dir: string;
  zk?: string;
  role?: string;
  aurora_port?: string;
  cluster?: string;
  aurora_roles?: string;
  jobs_url?: string;
}

const withUrl = (c: Command) => {
  c.option("--url <url>", "services REST API", DEFAULT_URL);
  for (const option of credentialOptions()) c.addOption(option);
  // The API's --http_credentials, as every request of this command sends them.
  return c.hook("preAction", (_, action) => applyCliCredential(action.opts()));
};
const withTimeout = (c: Command) =>
  c.option("--timeout_s <s>", "give up following the deployment after this long", "600");
const timeoutMs = (o: { timeout_s: string }) => Number(o.timeout_s) * 1000;

export function servicesCommand(): Command {
  const cmd = new Command("services").description(
    "the services framework (Marathon-compatible long-running apps on Tessera)",
  );
  addServe(cmd);
  withServerTlsOptions(cmd.commands.find((c) => c.name() === "serve") as Command);
  addDeployAndViews(cmd);
  addChanges(cmd);
  return cmd;
}

function addServe(cmd: Command): void {
  const serve = cmd
    .command("serve")
    .description("run the services framework process")
    .option("--master <url>", "master URL or zk://host:port/path", "http://127.0.0.1:5050")
    .option("--http_port <port>", "REST API port", "8080")
    .option("--data_dir <dir>", "where apps and instances are stored", "./services-data")
    .option("--zk <url>", "keep apps and instances in ZooKeeper (zk://host:port/path) for HA")
    .option("--role <role>", "the framework's role, also apps' default role (default: services)")
    .option("--aurora_port <port>", "also serve the Aurora API on this port (needs --cluster)")
    .option("--cluster <name>", "the master's --cluster name: the first part of Aurora job keys")
    .option(
      "--aurora_roles <roles>",
      "comma-separated roles Aurora jobs run under (subscribed too)",
    )
    .option("--jobs_url <url>", "the jobs framework, where Aurora cron and ad-hoc jobs go");
  addServeSecurityOptions(addTierOptions(serve)).action(
    runAction(async (o: ServeOptions) => {
      const security = serveSecurity(o);
      if (o.aurora_port !== undefined && o.cluster === undefined)
        throw usageError("services serve: --aurora_port needs --cluster (the master's --cluster)");
      // Loaded on use, so that the other commands start without compiling the framework.
      const { startServices } = await import("../frameworks/services/start.ts");
      const running = await startServices({
        master: o.master,
        dataDir: o.data_dir,
        httpPort: Number(o.http_port),
        ...(o.role === undefined ? {} : { role: o.role }),
        ...(o.zk === undefined ? {} : { zk: o.zk }),
        ...tierServeOptions(o),
        ...auroraServeOptions(o),
        ...security,
      });
      console.log(`services API on ${running.url}`);
      if (running.auroraUrl !== undefined) console.log(`Aurora API on ${running.auroraUrl}`);
      const shutdown = () => void running.close().then(() => process.exit(0));
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
    }),
  );
}

/** `--aurora_port` and its companions as startServices options (ZooKeeper from `--zk`). */
function auroraServeOptions(o: ServeOptions) {
  if (o.aurora_port === undefined || o.cluster === undefined) return {};
  const zkServers = o.zk === undefined ? undefined : /^zk:\/\/([^/]+)/.exec(o.zk)?.[1];
  const jobsUrl = o.jobs_url;
  return {
    aurora: {
      port: Number(o.aurora_port),
      cluster: o.cluster,
      ...(jobsUrl === undefined ? {} : { jobsUrl: () => jobsUrl }),
      ...(zkServers === undefined ? {} : { zkServers }),
    },
    extraRoles: (o.aurora_roles ?? "").split(",").filter((r) => r !== ""),
  };
}

/** deploy, list, show. */
function addDeployAndViews(cmd: Command): void {
  withTimeout(
    withUrl(cmd.command("deploy <file>").description("create or update an app and follow it")),
  ).action(
    runAction(async (file: string, o: { url: string; timeout_s: string }) => {
      const app = readAppFile(file);
      const exists = (await api(o.url, "GET", appPath(app.id))).status === 200;
      await changeAndFollow(
        o.url,
        app.id,
        () =>
          exists ? api(o.url, "PUT", appPath(app.id), app) : api(o.url, "POST", "/v2/apps", app),
        timeoutMs(o),
      );
    }),
  );

  withUrl(cmd.command("list").description("list apps: running/asked instances, health, resources"))
    .addOption(jsonOption())
    .action(
      runAction(async (o: { url: string; json?: boolean }) => {
        const { apps } = (await ok(api(o.url, "GET", "/v2/apps"))).body as { apps: AppRow[] };
        if (o.json) printJson(apps);
        else if (apps.length === 0)
          console.log("no apps (`tessera services deploy FILE` adds one)");
        else printTable(APP_COLUMNS, apps);
      }),
    );
  withUrl(cmd.command("show <id>").description("show an app, its tasks and its last failure"))
    .addOption(jsonOption())
    .action(
      runAction(async (id: string, o: { url: string; json?: boolean }) => {
        const { app } = (await ok(api(o.url, "GET", appPath(id)))).body as {
          app: AppRow;
        };
        if (o.json) printJson(app);
        else printApp(app);
      }),
    );
}

/** scale, restart, rollback, delete: each follows the deployment it starts. */
function addChanges(cmd: Command): void {
  withTimeout(
    withUrl(cmd.command("scale <id> <n>").description("set an app's instance count and follow it")),
  ).action(
    runAction(async (id: string, n: string, o: { url: string; timeout_s: string }) => {
      const instances = Number(n);
      if (!Number.isInteger(instances) || instances < 0) {
        throw new CliError("BAD_ARGUMENT", `instances must be a whole number >= 0, not "${n}"`, 2);
      }
      await changeAndFollow(
        o.url,
        id,
        () => api(o.url, "PUT", appPath(id), { instances }),
        timeoutMs(o),
      );
    }),
  );
  withTimeout(
    withUrl(cmd.command("restart <id>").description("rolling restart of an app, followed")),
  ).action(
    runAction(async (id: string, o: { url: string; timeout_s: string }) => {
      await changeAndFollow(
        o.url,
        id,
        () => api(o.url, "POST", `${appPath(id)}/restart`),
        timeoutMs(o),
      );
    }),
  );
  withTimeout(
    withUrl(
      cmd.command("rollback <id>").description("go back to an earlier app version, followed"),
    ),
  )
    .option("--version <v>", "version to restore (default: the previous one)")
    .action(
      runAction(async (id: string, o: { url: string; version?: string; timeout_s: string }) => {
        let version = o.version;
        if (version === undefined) {
          const versions = (await ok(api(o.url, "GET", `${appPath(id)}/versions`))).body as {
            versions?: string[];
          };
          // Marathon lists versions newest first.
          version = versions.versions?.[1];
        }
        if (version === undefined) {
          throw new CliError("NOT_FOUND", `app ${id} has no earlier version to roll back to`);
        }
        const to = version;
        await changeAndFollow(
          o.url,
          id,
          () => api(o.url, "PUT", appPath(id), { version: to }),
          timeoutMs(o),
        );
      }),
    );
  withTimeout(
    withUrl(
      cmd.command("delete <id>").description("delete an app and wait until its tasks are gone"),
    ),
  ).action(
    runAction(async (id: string, o: { url: string; timeout_s: string }) => {
      await changeAndFollow(
        o.url,
        id,
        () => api(o.url, "DELETE", appPath(id)),
        timeoutMs(o),
        false,
      );
    }),
  );
}
