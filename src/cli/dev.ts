// `tessera dev`: a whole local cluster in one process — a master with its SQLite registry and
// N agents launching real processes — with every state file under one data directory, so that
// a new user gets from `npm install` to a running cluster in one command (like `nomad agent -dev`).
// One process keeps start-up fast and Ctrl-C simple; agents still launch tasks as separate,
// isolated processes, and state survives a restart unless --fresh.
import { mkdirSync, rmSync } from "node:fs";
import { cpus, totalmem, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import type { RunningAgent } from "../agent/server.ts";
import type { AuroraOptions } from "../frameworks/aurora/start.ts";
import type { RunningJobs } from "../frameworks/jobs/start.ts";
import type { RunningServices } from "../frameworks/services/start.ts";
import { useCredential } from "../http/client.ts";
import type { RunningMaster } from "../master/server.ts";
import { type DevSecurity, devSecurity, devSecurityLines } from "./dev-secure.ts";
import { devTls, devTlsLines } from "./dev-tls.ts";

interface DevOptions {
  port: string;
  data_dir: string;
  agents: string;
  fresh?: boolean;
  services_port: string;
  jobs_port: string;
  aurora_port?: string;
  log_level: string;
  secure?: boolean;
}

/** The master's `--cluster` name here: the first part of Aurora job keys (`local/...`). */
export const DEV_CLUSTER = "local";

/** Splits this machine's cpus and memory evenly when several agents share it. */
export function splitResources(agents: number, cpuCount: number, memMb: number): string {
  const cpusEach = Math.max(0.1, Math.floor((cpuCount / agents) * 10) / 10);
  const memEach = Math.max(64, Math.floor((memMb - 1024) / agents));
  return `cpus:${cpusEach};mem:${memEach}`;
}

export function devCommand(): Command {
  return new Command("dev")
    .description("start a local cluster: a master and agents with embedded defaults")
    .addOption(
      new Option("--port <port>", "master port; agents use the next ports").default("5050"),
    )
    .addOption(new Option("--data_dir <dir>", "where all state lives").default(".tessera"))
    .addOption(new Option("--agents <n>", "number of agents on this machine").default("1"))
    .addOption(new Option("--fresh", "forget the state of earlier runs"))
    .addOption(
      new Option("--services_port <port>", "services (Marathon API) port; 'off' to skip").default(
        "8080",
      ),
    )
    .addOption(
      new Option("--jobs_port <port>", "jobs (Chronos API) port; 'off' to skip").default("4400"),
    )
    .addOption(
      new Option(
        "--aurora_port <port>",
        "Aurora API port (served by the services framework); 'off' to skip; default 8081, or a free port when --services_port is not 8080",
      ),
    )
    .addOption(new Option("--log_level <level>", "INFO, WARNING or ERROR").default("WARNING"))
    .addOption(
      new Option(
        "--secure",
        "TLS on every port (generated CA and certificates), authentication and ACLs (generated credentials)",
      ),
    )
    .allowExcessArguments(false)
    .action(runDev);
}

/** Writes the failure as `tessera dev: …` on stderr and sets the exit code. */
function fail(message: string, exitCode: number): undefined {
  process.stderr.write(`tessera dev: ${message}\n`);
  process.exitCode = exitCode;
  return undefined;
}

async function runDev(opts: DevOptions): Promise<void> {
  const port = Number(opts.port);
  const agents = Number(opts.agents);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return fail(`--port must be a port number, got '${opts.port}'`, 2);
  }
  if (!Number.isInteger(agents) || agents < 1 || agents > 64) {
    return fail(`--agents must be 1..64, got '${opts.agents}'`, 2);
  }
  const dataDir = resolve(opts.data_dir);
  if (opts.fresh) rmSync(dataDir, { recursive: true, force: true });

  const made = opts.secure ? devTls(dataDir) : undefined;
  if (made !== undefined && !made.ok) return fail(made.message, 1);
  const tls = made?.tls;
  const security = opts.secure ? devSecurity(dataDir) : undefined;
  // Every request of this process (the frameworks' included) logs in as operator.
  if (security !== undefined) useCredential(security.operator);
  const masterFlags = { ...tls?.flags, ...security?.masterFlags };
  const master = await startDevMaster(dataDir, port, opts.log_level, masterFlags);
  if (master === undefined) return;
  const agentFlags = { ...tls?.flags, ...security?.agentFlags };
  const running = await startDevAgents(master, dataDir, port, agents, opts.log_level, agentFlags);
  if (running === undefined) {
    await master.close();
    return;
  }
  // The Aurora API forwards cron and ad-hoc jobs to the jobs framework, which starts after it.
  let jobsUrl: string | undefined;
  // Beside a services port of its own choosing (tests, a second cluster) it takes a free port.
  const auroraPort = opts.aurora_port ?? (opts.services_port === "8080" ? "8081" : "0");
  const aurora: AuroraOptions | undefined =
    auroraPort === "off"
      ? undefined
      : { port: Number(auroraPort), cluster: DEV_CLUSTER, jobsUrl: () => jobsUrl };
  const services =
    opts.services_port === "off"
      ? undefined
      : await startDevServices(master, dataDir, Number(opts.services_port), security, aurora);
  const jobs =
    opts.jobs_port === "off"
      ? undefined
      : await startDevJobs(master, dataDir, Number(opts.jobs_port), security);
  jobsUrl = jobs?.url;

  // The commands' defaults reach a cluster on the default ports; other ports are spelt out.
  const masterFlag = master.url === "http://127.0.0.1:5050" ? "" : ` --master ${master.url}`;
  const servicesFlag =
    services === undefined || services.url === "http://127.0.0.1:8080"
      ? ""
      : ` --url ${services.url}`;
  process.stdout.write(
    [
      "Tessera dev cluster is up.",
      `  master:  ${master.url}   (state: ${master.url}/master/state)`,
      `  web UI:  ${master.url}/`,
      ...running.map((a, i) => `  agent ${i}: ${a.url}`),
      ...(services
        ? [`  services: ${services.url}   (Marathon API: ${services.url}/v2/apps)`]
        : []),
      ...(services?.auroraUrl
        ? [
            `  aurora:  ${services.auroraUrl}   (cluster '${DEV_CLUSTER}', Aurora API: /api/<method>)`,
          ]
        : []),
      ...(jobs ? [`  jobs:    ${jobs.url}   (Chronos API: ${jobs.url}/v1/scheduler/jobs)`] : []),
      `  data:    ${dataDir}${opts.fresh ? " (fresh)" : ""}`,
      ...(tls === undefined ? [] : devTlsLines(tls, master.url)),
      ...(security === undefined ? [] : devSecurityLines(security, master.url)),
      "Next:",
      `  tessera run${masterFlag} -- echo hello   run a command as a task`,
      `  tessera tasks${masterFlag}               what runs (--all: finished ones too)`,
      ...(services
        ? [`  tessera services deploy app.json${servicesFlag}   a long-running service`]
        : []),
      "Ctrl-C stops the master, agents and frameworks here. Services' tasks and those of",
      "`tessera run --detach` keep running and are recovered by the next `tessera dev` on this",
      "data dir (`tessera kill` ends one); other tasks are ended when it starts. Finished",
      "tasks stay listed across the restart (`tessera tasks --all`). --fresh forgets everything.",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write("Stopping the dev cluster\n");
    await jobs?.close();
    await services?.close();
    for (const a of running) await a.close();
    await master.close();
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
  await master.stopped;
  await stop();
}

async function startDevMaster(
  dataDir: string,
  port: number,
  logLevel: string,
  secure: Record<string, string> = {},
): Promise<RunningMaster | undefined> {
  // Loaded on use, so that the other commands start without compiling the servers.
  const { MasterStartError, startMaster } = await import("../master/server.ts");
  mkdirSync(join(dataDir, "master"), { recursive: true });
  try {
    return await startMaster({
      flags: {
        port: String(port),
        ip: "127.0.0.1",
        work_dir: join(dataDir, "master"),
        registry: "sqlite",
        cluster: DEV_CLUSTER,
        log_level: logLevel,
        ...secure,
      },
      env: process.env,
      // Finished tasks stay listed (`tessera tasks --all`, the UI) after a restart.
      taskHistoryFile: join(dataDir, "master", "task-history.json"),
    });
  } catch (error) {
    if (error instanceof MasterStartError) return fail(`master: ${error.message}`, 1);
    throw error;
  }
}

/** Starts the agents one after the other; where one fails, those started are closed. */
async function startDevAgents(
  master: RunningMaster,
  dataDir: string,
  port: number,
  agents: number,
  logLevel: string,
  secure: Record<string, string> = {},
): Promise<RunningAgent[] | undefined> {
  const { AgentStartError, startAgent } = await import("../agent/server.ts");
  const running: RunningAgent[] = [];
  for (let i = 0; i < agents; i++) {
    const workDir = join(dataDir, `agent-${i}`);
    mkdirSync(workDir, { recursive: true });
    const flags: Record<string, string> = {
      master: `127.0.0.1:${master.port}`,
      work_dir: workDir,
      port: String(port === 0 ? 0 : port + 1 + i),
      ip: "127.0.0.1",
      log_level: logLevel,
      ...secure,
    };
    if (agents > 1) {
      // Each agent destroys the cgroups under its root that it does not know when it
      // recovers: agents on one machine need roots of their own (as in Mesos).
      flags.cgroups_root = `tessera-agent-${i}`;
      flags.resources = splitResources(agents, cpus().length, Math.floor(totalmem() / 2 ** 20));
    }
    try {
      running.push(await startAgent({ flags, env: process.env }));
    } catch (error) {
      if (!(error instanceof AgentStartError)) throw error;
      fail(`agent ${i}: ${error.message}`, 1);
      for (const a of running) await a.close();
      return undefined;
    }
  }
  return running;
}

/** The services framework beside the cluster; a failure to start it is reported, not fatal. */
async function startDevServices(
  master: RunningMaster,
  dataDir: string,
  httpPort: number,
  security: DevSecurity | undefined,
  aurora: AuroraOptions | undefined,
): Promise<RunningServices | undefined> {
  const { startServices } = await import("../frameworks/services/start.ts");
  try {
    mkdirSync(join(dataDir, "services"), { recursive: true });
    return await startServices({
      master: master.url,
      dataDir: join(dataDir, "services"),
      httpPort,
      host: "127.0.0.1",
      // Aurora jobs run under their role, which is also their Unix user: this user's role.
      ...(aurora === undefined ? {} : { aurora, extraRoles: [userInfo().username] }),
      ...(security === undefined ? {} : frameworkSecurity(security)),
    });
  } catch (error) {
    process.stderr.write(`tessera dev: services not started: ${String(error)}\n`);
    return undefined;
  }
}

/**
 * A framework's part of --secure: it logs in to the master as the frameworks' principal, and
 * its API wants the operator's credential (the one the CLI uses).
 */
function frameworkSecurity(security: DevSecurity) {
  return {
    mesosCredential: security.services,
    httpCredentials: { user: security.operator.principal, password: security.operator.secret },
  };
}

/** The jobs framework beside the cluster; a failure to start it is reported, not fatal. */
async function startDevJobs(
  master: RunningMaster,
  dataDir: string,
  httpPort: number,
  security: DevSecurity | undefined,
): Promise<RunningJobs | undefined> {
  const { startJobs } = await import("../frameworks/jobs/start.ts");
  try {
    return await startJobs({
      master: master.url,
      dataDir: join(dataDir, "jobs"),
      httpPort,
      host: "127.0.0.1",
      ...(security === undefined ? {} : frameworkSecurity(security)),
    });
  } catch (error) {
    process.stderr.write(`tessera dev: jobs not started: ${String(error)}\n`);
    return undefined;
  }
}
