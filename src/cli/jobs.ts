// `tessera jobs`: drives the jobs framework (Chronos-compatible scheduled and dependent batch
// jobs) through its Chronos REST API: add / list / show / run / kill / delete / history /
// queue / graph; and `serve` runs the framework itself.
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { CliError, usageError } from "./cli-error.ts";
import { type JsonOptions, jsonOption, runAction } from "./command-kit.ts";
import {
  DEFAULT_JOBS_URL,
  JOBS_ENV,
  JobsClient,
  type JobsOptions,
  jobPath,
} from "./jobs-client.ts";
import {
  GRAPH_COLUMNS,
  type JobRun,
  type JobSummary,
  parseGraphCsv,
  QUEUE_COLUMNS,
  type QueuedRun,
  RUN_COLUMNS,
  renderJob,
  SUMMARY_COLUMNS,
} from "./jobs-views.ts";
import { printJson, printTable } from "./output.ts";
import {
  addServeSecurityOptions,
  type ServeSecurityOptions,
  serveSecurity,
} from "./services-security.ts";

type Opts = JobsOptions & JsonOptions;

interface ServeOptions extends ServeSecurityOptions {
  master: string;
  port: string;
  host: string;
  data_dir: string;
  zk?: string;
  role?: string;
  user?: string;
}

function jobsOption(): Option {
  return new Option(
    "--jobs <url>",
    `jobs framework URL (env ${JOBS_ENV}; default ${DEFAULT_JOBS_URL})`,
  );
}

/** A subcommand that talks to the jobs API: `--jobs` added, extra arguments refused. */
function jobsCommand(parent: Command, spec: string, description: string): Command {
  return parent
    .command(spec)
    .description(description)
    .addOption(jobsOption())
    .allowExcessArguments(false);
}

/** The jobs of a job file: one Chronos job object, or an array of them. */
export function readJobFile(file: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    throw new CliError("BAD_ARGUMENT", `cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError("BAD_ARGUMENT", `${file} is not JSON: ${(error as Error).message}`);
  }
  const jobs = Array.isArray(parsed) ? parsed : [parsed];
  for (const job of jobs) {
    if (typeof job !== "object" || job === null || Array.isArray(job)) {
      throw new CliError("BAD_ARGUMENT", `${file}: a job is a JSON object`);
    }
    if (typeof (job as { name?: unknown }).name !== "string") {
      throw new CliError("BAD_ARGUMENT", `${file}: every job needs a "name"`);
    }
  }
  return jobs as Record<string, unknown>[];
}

/** Chronos takes dependent jobs (with parents) on one endpoint and all others on another. */
export function createPath(job: Record<string, unknown>): string {
  const parents = job.parents;
  return Array.isArray(parents) && parents.length > 0
    ? "/v1/scheduler/dependency"
    : "/v1/scheduler/iso8601";
}

export function jobsCliCommand(): Command {
  const cmd = new Command("jobs").description(
    "the jobs framework (Chronos-compatible scheduled and dependent batch jobs, Aurora cron)",
  );

  addServeCommand(cmd);
  addJobCommands(cmd);
  addRunCommands(cmd);
  return cmd;
}

/** `serve`: the framework process itself. */
function addServeCommand(cmd: Command): void {
  const serve = cmd
    .command("serve")
    .description("run the jobs framework process (the Chronos API)")
    .option("--master <url>", "master URL or zk://host:port/path", "http://127.0.0.1:5050")
    .option("--port <port>", "Chronos API port (0 picks a free one)", "4400")
    .option("--host <host>", "address the API listens on", "127.0.0.1")
    .option("--data_dir <dir>", "where jobs and their runs are stored (SQLite)", "./jobs-data")
    .option("--zk <url>", "keep jobs in ZooKeeper (zk://host:port/path), leader election for HA")
    .option("--role <role>", "the framework's role (default: jobs)")
    .option("--user <user>", "user tasks run as when a job names no runAsUser");
  addServeSecurityOptions(serve)
    .allowExcessArguments(false)
    .action(
      runAction(async (o: ServeOptions) => {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65_535) {
          throw usageError(`--port wants a port number, not '${o.port}'`);
        }
        // Loaded on use, so that the other commands start without compiling the framework.
        const { startJobs } = await import("../frameworks/jobs/start.ts");
        const running = await startJobs({
          master: o.master,
          dataDir: o.data_dir,
          httpPort: port,
          host: o.host,
          ...(o.role === undefined ? {} : { role: o.role }),
          ...(o.zk === undefined ? {} : { zk: o.zk }),
          ...(o.user === undefined ? {} : { user: o.user }),
          ...serveSecurity(o),
        });
        console.log(`jobs API on ${running.url}`);
        const shutdown = () => void running.close().then(() => process.exit(0));
        process.once("SIGINT", shutdown);
        process.once("SIGTERM", shutdown);
      }),
    );
}

/** The commands about job definitions: add, list, show, run, kill, delete. */
function addJobCommands(cmd: Command): void {
  jobsCommand(
    cmd,
    "add <file>",
    "create or replace the job(s) of a JSON file ('-' = stdin)",
  ).action(
    runAction(async (file: string, o: Opts) => {
      const jobs = readJobFile(file);
      const client = JobsClient.fromOptions(o);
      for (const job of jobs) {
        try {
          await client.call("POST", createPath(job), job);
        } catch (error) {
          if (error instanceof CliError) {
            throw new CliError(error.code, `job ${String(job.name)}: ${error.message}`);
          }
          throw error;
        }
        console.log(`saved job ${String(job.name)}`);
      }
    }),
  );

  jobsCommand(cmd, "list", "list the jobs: status, last outcome, schedule or parents")
    .addOption(jsonOption())
    .action(
      runAction(async (o: Opts) => {
        const summary = await JobsClient.fromOptions(o).json<{ jobs?: JobSummary[] }>(
          "/v1/scheduler/jobs/summary",
        );
        const jobs = [...(summary.jobs ?? [])].sort((a, b) => a.name.localeCompare(b.name));
        if (o.json) printJson(jobs);
        else printTable(SUMMARY_COLUMNS, jobs);
      }),
    );

  jobsCommand(cmd, "show <name>", "show a job's definition and counters")
    .addOption(jsonOption())
    .action(
      runAction(async (name: string, o: Opts) => {
        const job = await JobsClient.fromOptions(o).json<Record<string, unknown>>(jobPath(name));
        if (o.json) printJson(job);
        else console.log(renderJob(job));
      }),
    );

  jobsCommand(cmd, "run <name>", "run a job now (once, outside its schedule)")
    .option("--args <args...>", "arguments appended to the command (jobs with shell=false)")
    .action(
      runAction(async (name: string, o: Opts & { args?: string[] }) => {
        const query =
          o.args === undefined ? "" : `?arguments=${encodeURIComponent(o.args.join(" "))}`;
        await JobsClient.fromOptions(o).call("PUT", `${jobPath(name)}${query}`);
        console.log(`job ${name} queued to run now`);
      }),
    );

  jobsCommand(cmd, "kill <name>", "kill the running tasks of a job").action(
    runAction(async (name: string, o: Opts) => {
      await JobsClient.fromOptions(o).call(
        "DELETE",
        `/v1/scheduler/task/kill/${encodeURIComponent(name)}`,
      );
      console.log(`killing the running tasks of job ${name}`);
    }),
  );

  jobsCommand(cmd, "delete <name>", "delete a job (its children take over its place)").action(
    runAction(async (name: string, o: Opts) => {
      await JobsClient.fromOptions(o).call("DELETE", jobPath(name));
      console.log(`deleted job ${name}`);
    }),
  );
}

/** The commands about runs: history, queue, graph. */
function addRunCommands(cmd: Command): void {
  jobsCommand(cmd, "history <name>", "the job's last runs, newest first")
    .addOption(jsonOption())
    .action(
      runAction(async (name: string, o: Opts) => {
        const history = await JobsClient.fromOptions(o).json<{ runs?: JobRun[] }>(
          jobPath(name, "/history"),
        );
        if (o.json) printJson(history);
        else printTable(RUN_COLUMNS, history.runs ?? []);
      }),
    );

  jobsCommand(cmd, "queue", "runs that are due but not running, and what each waits for")
    .addOption(jsonOption())
    .action(
      runAction(async (o: Opts) => {
        const queue = await JobsClient.fromOptions(o).json<{ queue?: QueuedRun[] }>(
          "/v1/scheduler/queue",
        );
        if (o.json) printJson(queue);
        else printTable(QUEUE_COLUMNS, queue.queue ?? []);
      }),
    );

  jobsCommand(cmd, "graph", "the dependency graph: each job, its last outcome and its parents")
    .addOption(jsonOption())
    .option("--dot", "print the Graphviz digraph instead")
    .action(
      runAction(async (o: Opts & { dot?: boolean }) => {
        const client = JobsClient.fromOptions(o);
        if (o.dot) {
          process.stdout.write((await client.call("GET", "/v1/scheduler/graph/dot")).text);
          return;
        }
        const nodes = parseGraphCsv((await client.call("GET", "/v1/scheduler/graph/csv")).text);
        if (o.json) printJson(nodes);
        else printTable(GRAPH_COLUMNS, nodes);
      }),
    );
}
