// From a parsed Aurora job to what the engines run: a service job becomes a services app (the
// Marathon app JSON, with Tessera's `thermos` field so its instances launch through the
// Thermos-like executor, Aurora's tier fields and update settings under the names the services
// engine reads); a cron or ad-hoc job becomes a jobs framework (Chronos) job.
import type { ParsedJob } from "./job-file.ts";
import { defaultZkPath, type JobKey, jobsFrameworkName, serviceAppId } from "./job-key.ts";
import type { Job, UpdateConfig } from "./job-schema.ts";
import type { ThermosTask } from "./thermos/task-config.ts";

const MIB = 2 ** 20;

/**
 * What the Thermos executor itself needs, added to each instance's resources as Aurora adds its
 * executor's overhead: the executor is a whole Node.js process, and the container's memory
 * limit counts it with the task's processes.
 */
export const THERMOS_EXECUTOR_OVERHEAD = { cpus: 0.1, memMb: 384 } as const;

export interface TranslateContext {
  /** ZooKeeper servers `host:port,...` for `announce`; undefined: announcing is refused. */
  readonly zkServers?: string;
}

export type Translation<T> = { ok: true; value: T } | { ok: false; error: string };

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Aurora's `host` attribute is the agent's host name in services constraints. */
const fieldName = (attribute: string) => (attribute === "host" ? "hostname" : attribute);

/**
 * Aurora's constraints as Marathon's: `{rack: "a,b"}` -> LIKE `a|b`, `{rack: "!a"}` -> UNLIKE
 * `a`, `{host: "limit:1"}` -> MAX_PER 1, `{dedicated: "role/name"}` -> LIKE on the dedicated
 * attribute (its role part must be the job's role or `*`).
 */
export function translateConstraints(job: Job): Translation<string[][]> {
  const out: string[][] = [];
  for (const [attribute, spec] of Object.entries(job.constraints)) {
    const field = fieldName(attribute);
    const limit = /^limit:(\d+)$/.exec(spec);
    if (limit !== null) {
      if (Number(limit[1]) < 1)
        return { ok: false, error: `constraints.${attribute}: limit must be at least 1` };
      out.push([field, "MAX_PER", limit[1] as string]);
      continue;
    }
    if (attribute === "dedicated") {
      const [role, name] = spec.split("/");
      if (name === undefined || name === "" || (role !== "*" && role !== job.role))
        return {
          ok: false,
          error: `constraints.dedicated: expected '${job.role}/<name>' or '*/<name>', got '${spec}'`,
        };
      out.push([field, "LIKE", escapeRegex(spec)]);
      continue;
    }
    const negated = spec.startsWith("!");
    const values = (negated ? spec.slice(1) : spec).split(",").map((v) => v.trim());
    if (values.some((v) => v === ""))
      return { ok: false, error: `constraints.${attribute}: empty value in '${spec}'` };
    out.push([field, negated ? "UNLIKE" : "LIKE", values.map(escapeRegex).join("|")]);
  }
  return { ok: true, value: out };
}

/** The batching an update config asks for: its update_strategy, else the plain fields. */
function batching(update: UpdateConfig): {
  readonly sizes: readonly number[];
  readonly wait: boolean;
  readonly autopause: boolean;
} {
  const s = update.update_strategy;
  if (s === undefined)
    return {
      sizes: update.batch_sizes ?? [update.batch_size],
      wait: update.wait_for_batch_completion,
      autopause: false,
    };
  if ("queue" in s) return { sizes: [s.queue.batch_size], wait: false, autopause: false };
  if ("batch" in s)
    return { sizes: [s.batch.batch_size], wait: true, autopause: s.batch.autopause_after_batch };
  return {
    sizes: s.variable_batch.batch_sizes,
    wait: true,
    autopause: s.variable_batch.autopause_after_batch,
  };
}

/**
 * Aurora's update settings under the services engine's `upgradeStrategy` names. Aurora kills
 * an old instance before it adds the new one (no surge), so maximumOverCapacity is 0 and
 * minimumHealthCapacity keeps all but one batch up.
 */
export function upgradeStrategyOf(
  update: UpdateConfig,
  instances: number,
): Record<string, unknown> {
  const { sizes, wait, autopause } = batching(update);
  const batch = sizes[0] as number;
  return {
    minimumHealthCapacity: Math.max(0, Math.min(1, 1 - batch / instances)),
    maximumOverCapacity: 0,
    batchSize: batch,
    ...(sizes.length === 1 ? {} : { batchSizes: sizes }),
    watchSeconds: update.watch_secs,
    maxPerInstanceFailures: update.max_per_shard_failures,
    maxTotalFailures: update.max_total_failures,
    rollbackOnFailure: update.rollback_on_failure,
    waitForBatchCompletion: wait,
    ...(autopause ? { autopauseAfterBatch: true } : {}),
    ...(update.pulse_interval_secs === undefined
      ? {}
      : { pulseIntervalSeconds: update.pulse_interval_secs }),
    slaAware: update.sla_aware,
  };
}

function thermosTask(parsed: ParsedJob, ctx: TranslateContext): Translation<ThermosTask> {
  const { job } = parsed;
  const task: ThermosTask = {
    name: job.task.name ?? job.name,
    processes: job.task.processes,
    constraints: job.task.constraints,
    finalization_wait: job.task.finalization_wait,
    max_concurrency: job.task.max_concurrency,
    ports: {},
    instance: 0,
  };
  if (job.health_check_config !== undefined) task.health_check_config = job.health_check_config;
  if (job.announce !== undefined) {
    if (ctx.zkServers === undefined)
      return { ok: false, error: "announce: this scheduler has no ZooKeeper to announce in" };
    task.announce = {
      primary_port: job.announce.primary_port,
      portmap: job.announce.portmap,
      zk_path: job.announce.zk_path ?? defaultZkPath(job),
      zk_servers: ctx.zkServers,
    };
  }
  return { ok: true, value: task };
}

/** The services app JSON (Marathon's input form) of a service job. */
export function serviceApp(
  parsed: ParsedJob,
  ctx: TranslateContext,
): Translation<Record<string, unknown>> {
  const { job } = parsed;
  const constraints = translateConstraints(job);
  if (!constraints.ok) return constraints;
  const task = thermosTask(parsed, ctx);
  if (!task.ok) return task;
  const ranges = parsed.ranges.map((r) => ({
    first: r.first,
    last: r.last,
    task: {
      ...task.value,
      ...r.overrides.task,
      ...(r.overrides.health_check_config === undefined
        ? {}
        : { health_check_config: r.overrides.health_check_config }),
    },
  }));
  const labels: Record<string, string> = {
    "aurora.role": job.role,
    "aurora.environment": job.environment,
    "aurora.name": job.name,
  };
  if (job.contact !== undefined) labels["aurora.contact"] = job.contact;
  return {
    ok: true,
    value: {
      id: serviceAppId(job),
      instances: job.instances,
      cpus: job.task.resources.cpu + THERMOS_EXECUTOR_OVERHEAD.cpus,
      mem: job.task.resources.ram / MIB + THERMOS_EXECUTOR_OVERHEAD.memMb,
      disk: job.task.resources.disk / MIB,
      role: job.role,
      user: job.role,
      portDefinitions: parsed.ports.map((name) => ({ port: 0, name })),
      constraints: constraints.value,
      labels,
      upgradeStrategy: upgradeStrategyOf(job.update_config, job.instances),
      ...(job.tier === undefined ? {} : { tier: job.tier }),
      priority: job.priority,
      production: job.production,
      thermos: { task: task.value, instances: ranges },
    },
  };
}

/** A jobs framework job made here says whose it is in its description (names may hold dots). */
const DESCRIPTION_PREFIX = "Aurora job ";

export function jobOfDescription(description: string, cluster: string): JobKey | undefined {
  if (!description.startsWith(DESCRIPTION_PREFIX)) return undefined;
  const [role, environment, name, ...rest] = description
    .slice(DESCRIPTION_PREFIX.length)
    .split("/");
  if (role === undefined || environment === undefined || name === undefined || rest.length > 0)
    return undefined;
  return { cluster, role, environment, name };
}

/**
 * The jobs framework job of a cron or ad-hoc job. The jobs engine runs one command per run, so
 * the processes run one after the other in one shell (order constraints are then implied).
 */
export function jobsFrameworkJob(parsed: ParsedJob): Translation<Record<string, unknown>> {
  const { job } = parsed;
  if (job.instances !== 1)
    return { ok: false, error: "instances: cron and ad-hoc jobs run one instance" };
  const regular = job.task.processes.filter((p) => !p.final);
  const finals = job.task.processes.filter((p) => p.final);
  const body = regular.map((p) => `( ${p.cmdline} )`).join(" && ");
  const command =
    finals.length === 0
      ? body
      : `${body}; s=$?; ${finals.map((p) => `( ${p.cmdline} )`).join("; ")}; exit $s`;
  return {
    ok: true,
    value: {
      name: jobsFrameworkName(job),
      command,
      shell: true,
      cpus: job.task.resources.cpu,
      mem: job.task.resources.ram / MIB,
      disk: job.task.resources.disk / MIB,
      runAsUser: job.role,
      owner: job.contact ?? "",
      description: `${DESCRIPTION_PREFIX}${job.role}/${job.environment}/${job.name}`,
      maxTaskFailures: job.max_task_failures,
      ...(job.cron_schedule === undefined
        ? { schedule: "R1//PT24H" }
        : { cron: job.cron_schedule, cronCollisionPolicy: job.cron_collision_policy }),
    },
  };
}
