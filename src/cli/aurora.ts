// `tessera aurora`: Aurora's client over the Aurora API (`POST /api/<method>`, served by the
// services framework; `tessera dev` serves it on 8081): job create|kill|restart|status|inspect,
// update start|pause|resume|abort|rollback|pulse, cron schedule|deschedule|start, quota get.
// Every refusal is one `error:` line with Aurora's response code.
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { parseJobFile } from "../frameworks/aurora/job-file.ts";
import { parseJobKey } from "../frameworks/aurora/job-key.ts";
import { jobsFrameworkJob, serviceApp } from "../frameworks/aurora/job-translate.ts";
import { request } from "../http/client.ts";
import { CliError, usageError } from "./cli-error.ts";
import { jsonOption, runAction } from "./command-kit.ts";
import { applyCliCredential, type CredentialOptions, credentialOptions } from "./credentials.ts";
import { type Column, printJson, printTable } from "./output.ts";

const DEFAULT_URL = "http://127.0.0.1:8081";
const URL_ENV = "TESSERA_AURORA";

interface Opts extends CredentialOptions {
  url?: string;
  json?: boolean;
  bind?: string[];
  instances?: string;
}

interface AuroraAnswer {
  responseCode: string;
  details?: { message: string }[];
  result?: Record<string, unknown>;
}

function baseUrl(opts: Opts): string {
  return opts.url ?? process.env[URL_ENV] ?? DEFAULT_URL;
}

async function call(opts: Opts, method: string, body: Record<string, unknown>) {
  applyCliCredential(opts);
  const url = baseUrl(opts);
  let text: string;
  try {
    const res = await request(`${url}/api/${method}`, {
      method: "POST",
      body: JSON.stringify(body),
    });
    if (res.status !== 200)
      throw new CliError(
        "REFUSED",
        `${method}: the Aurora API answered ${res.status}: ${res.body.trim()}`,
      );
    text = res.body;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      "UNREACHABLE",
      `the Aurora API at ${url} did not answer (${(error as Error).message}) — is it running? (\`tessera dev\` starts one)`,
    );
  }
  const answer = JSON.parse(text) as AuroraAnswer;
  const message = (answer.details ?? []).map((d) => d.message).join("; ");
  if (answer.responseCode !== "OK")
    throw new CliError("REFUSED", `${answer.responseCode}: ${message}`);
  return { result: answer.result ?? {}, message };
}

function checkedKey(text: string): string {
  const parsed = parseJobKey(text);
  if (!parsed.ok) throw usageError(parsed.error);
  return text;
}

function bindings(opts: Opts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of opts.bind ?? []) {
    const at = b.indexOf("=");
    if (at <= 0) throw usageError(`--bind: expected NAME=VALUE, got '${b}'`);
    out[b.slice(0, at)] = b.slice(at + 1);
  }
  return out;
}

function readConfig(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError("BAD_ARGUMENT", `cannot read ${file}: ${(error as Error).message}`);
  }
}

function instancesOf(opts: Opts): number[] | undefined {
  return opts.instances === undefined ? undefined : instanceList(opts.instances);
}

function instanceList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null)
      throw usageError(`--instances: expected numbers and ranges like 0,2-3, got '${part}'`);
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.push(i);
  }
  return out;
}

/** Instance numbers as Aurora's ranges `{first, last}`, runs of consecutive numbers joined. */
function rangesOf(instances: readonly number[]): { first: number; last: number }[] {
  const out: { first: number; last: number }[] = [];
  for (const n of [...new Set(instances)].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last !== undefined && last.last + 1 === n) last.last = n;
    else out.push({ first: n, last: n });
  }
  return out;
}

/**
 * `update start`'s key: Aurora's `cluster/role/env/name[/instances]` (a canary such as
 * `.../hello/0-1`); `--instances` says the same. The instances, if any, beside the key.
 */
function updateTarget(text: string, opts: Opts): { key: string; instances?: number[] } {
  const parts = text.split("/");
  const spec = parts.length === 5 ? parts.pop() : undefined;
  const key = checkedKey(parts.join("/"));
  if (spec !== undefined && opts.instances !== undefined)
    throw usageError("give the instances in the key or with --instances, not both");
  const list = spec === undefined ? instancesOf(opts) : instanceList(spec);
  return list === undefined ? { key } : { key, instances: list };
}

/** A subcommand: `--url`, credentials, extra arguments refused. */
function sub(name: string, description: string): Command {
  const command = new Command(name)
    .description(description)
    .addOption(
      new Option("--url <url>", `Aurora API URL (env ${URL_ENV}; default ${DEFAULT_URL})`),
    );
  for (const option of credentialOptions()) command.addOption(option);
  return command.allowExcessArguments(false);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const bindOption = () =>
  new Option("--bind <name=value>", "a template binding (repeatable)").argParser(collect);
const instancesOption = () => new Option("--instances <list>", "only these instances, e.g. 0,2-3");

/** `job create|update start|cron schedule KEY FILE`: the file's text goes to the server. */
function configCommand(name: string, description: string, method: string, done: string): Command {
  const update = method === "startJobUpdate";
  const command = sub(name, description)
    .argument(
      "<key>",
      update ? "cluster/role/environment/name[/instances]" : "cluster/role/environment/name",
    )
    .argument("<file>", "the job file (YAML or JSON)")
    .addOption(bindOption());
  if (update) command.addOption(instancesOption());
  return command.action(
    runAction(async (text: string, file: string, opts: Opts) => {
      const target = update ? updateTarget(text, opts) : { key: checkedKey(text) };
      const body: Record<string, unknown> = {
        job: target.key,
        config: readConfig(file),
        bindings: bindings(opts),
      };
      if (target.instances !== undefined)
        body.updateOnlyTheseInstances = rangesOf(target.instances);
      const { result } = await call(opts, method, body);
      const id = (result.key as { id?: string } | undefined)?.id;
      process.stdout.write(`${done} ${text}${id ? ` (update ${id})` : ""}\n`);
    }),
  );
}

/** `KEY`-only commands that print the server's message or a fixed line. */
function keyCommand(
  name: string,
  description: string,
  method: string,
  done: string,
  withInstances = false,
): Command {
  const command = sub(name, description).argument("<key>", "cluster/role/environment/name");
  if (withInstances) command.addOption(instancesOption());
  return command.action(
    runAction(async (key: string, opts: Opts) => {
      const instances = instancesOf(opts);
      const body: Record<string, unknown> = { job: checkedKey(key) };
      if (instances !== undefined)
        body[method === "restartShards" ? "shardIds" : "instances"] = instances;
      await call(opts, method, body);
      process.stdout.write(
        `${done} ${key}${instances === undefined ? "" : ` instances ${opts.instances}`}\n`,
      );
    }),
  );
}

interface TaskRow {
  status: string;
  startedAt?: string;
  assignedTask: {
    taskId: string;
    slaveHost: string;
    instanceId: number;
    assignedPorts: Record<string, number>;
  };
}

const TASK_COLUMNS: readonly Column<TaskRow>[] = [
  { header: "INSTANCE", value: (t) => String(t.assignedTask.instanceId) },
  { header: "STATE", value: (t) => t.status },
  { header: "HOST", value: (t) => t.assignedTask.slaveHost || "-" },
  {
    header: "PORTS",
    value: (t) =>
      Object.entries(t.assignedTask.assignedPorts)
        .map(([n, p]) => `${n}=${p}`)
        .join(",") || "-",
  },
  { header: "TASK", value: (t) => t.assignedTask.taskId || "-" },
];

function statusCommand(): Command {
  return sub("status", "show the job's instances and their Aurora states")
    .argument("<key>", "cluster/role/environment/name")
    .addOption(jsonOption())
    .action(
      runAction(async (key: string, opts: Opts) => {
        const { result } = await call(opts, "getTasksStatus", { job: checkedKey(key) });
        const tasks = ((result.tasks ?? []) as TaskRow[]).sort(
          (a, b) => a.assignedTask.instanceId - b.assignedTask.instanceId,
        );
        if (opts.json) printJson(tasks);
        else if (tasks.length === 0) process.stdout.write(`no tasks for ${key}\n`);
        else printTable(TASK_COLUMNS, tasks);
      }),
    );
}

function inspectCommand(): Command {
  return new Command("inspect")
    .description("show what the job file makes of KEY (read here, nothing is sent)")
    .argument("<key>", "cluster/role/environment/name")
    .argument("<file>", "the job file (YAML or JSON)")
    .addOption(bindOption())
    .allowExcessArguments(false)
    .action(
      runAction(async (key: string, file: string, opts: Opts) => {
        const parsed = parseJobKey(key);
        if (!parsed.ok) throw usageError(parsed.error);
        const r = parseJobFile(readConfig(file), {
          cluster: parsed.key.cluster,
          bindings: bindings(opts),
        });
        if (!r.ok) throw new CliError("BAD_ARGUMENT", `${file}: ${r.error}`);
        const { role, environment, name } = parsed.key;
        const one = r.jobs.find(
          (j) => j.job.role === role && j.job.environment === environment && j.job.name === name,
        );
        if (one === undefined) throw new CliError("NOT_FOUND", `${file} has no job ${key}`);
        const runs = one.job.service
          ? serviceApp(one, { zkServers: "<the scheduler's ZooKeeper>" })
          : jobsFrameworkJob(one);
        if (!runs.ok) throw new CliError("BAD_ARGUMENT", `${file}: ${runs.error}`);
        printJson({
          job: one.job,
          [one.job.service ? "servicesApp" : "jobsFrameworkJob"]: runs.value,
        });
      }),
    );
}

function quotaCommand(): Command {
  const get = sub("get", "show ROLE's quota and what its jobs use")
    .argument("<cluster/role>", "cluster/role")
    .addOption(jsonOption())
    .action(
      runAction(async (text: string, opts: Opts) => {
        const [cluster, role, ...rest] = text.split("/");
        if (
          cluster === undefined ||
          cluster === "" ||
          role === undefined ||
          role === "" ||
          rest.length > 0
        )
          throw usageError(`'${text}' is not cluster/role`);
        const { result } = await call(opts, "getQuota", { ownerRole: role });
        if (opts.json) {
          printJson(result);
          return;
        }
        type Agg = { numCpus: number; ramMb: number; diskMb: number };
        const rows = (["quota", "prodSharedConsumption", "nonProdSharedConsumption"] as const).map(
          (k) => ({
            what: k,
            ...(result[k] as Agg),
          }),
        );
        printTable(
          [
            { header: "", value: (r) => r.what },
            { header: "CPUS", value: (r) => String(r.numCpus) },
            { header: "RAM_MB", value: (r) => String(r.ramMb) },
            { header: "DISK_MB", value: (r) => String(r.diskMb) },
          ],
          rows,
        );
      }),
    );
  return new Command("quota").description("a role's quota").addCommand(get);
}

export function auroraCommand(): Command {
  const job = new Command("job")
    .description("create, kill, restart, inspect a job; show its status")
    .addCommand(configCommand("create", "create the job KEY from FILE", "createJob", "created"))
    .addCommand(keyCommand("kill", "kill the job (or --instances)", "killTasks", "killed", true))
    .addCommand(
      keyCommand(
        "restart",
        "restart the job's instances (or --instances)",
        "restartShards",
        "restarting",
        true,
      ),
    )
    .addCommand(statusCommand())
    .addCommand(inspectCommand());
  const update = new Command("update")
    .description("update a job to a new config, batch by batch, and steer the update")
    .addCommand(configCommand("start", "update the job KEY to FILE", "startJobUpdate", "updating"))
    .addCommand(
      keyCommand("pause", "pause the job's update", "pauseJobUpdate", "paused the update of"),
    )
    .addCommand(
      keyCommand("resume", "resume the job's update", "resumeJobUpdate", "resumed the update of"),
    )
    .addCommand(
      keyCommand(
        "abort",
        "abort the job's update where it is",
        "abortJobUpdate",
        "aborted the update of",
      ),
    )
    .addCommand(
      keyCommand(
        "rollback",
        "roll the job's update back",
        "rollbackJobUpdate",
        "rolling back the update of",
      ),
    )
    .addCommand(
      keyCommand(
        "pulse",
        "pulse the job's coordinated update",
        "pulseJobUpdate",
        "pulsed the update of",
      ),
    );
  const cron = new Command("cron")
    .description("cron jobs (run by the jobs framework)")
    .addCommand(
      configCommand(
        "schedule",
        "schedule the cron job KEY from FILE",
        "scheduleCronJob",
        "scheduled",
      ),
    )
    .addCommand(keyCommand("deschedule", "remove the cron job", "descheduleCronJob", "descheduled"))
    .addCommand(keyCommand("start", "run the cron job now", "startCronJob", "started"));
  return new Command("aurora")
    .description("Aurora jobs on the services engine (the Aurora API; `tessera dev` serves it)")
    .addCommand(job)
    .addCommand(update)
    .addCommand(cron)
    .addCommand(quotaCommand());
}
