// The Chronos job (reference §2.2) as a zod schema: one schema is both the type and the check,
// with Chronos's defaults filled in on parse and unknown fields ignored (Chronos 3.x reads 2.x
// payloads the same way). The read-only stats a client sends back (`successCount`, ...) are
// accepted and dropped: Tessera keeps run history apart from the definition (reference §4 #21),
// so replacing a job does not reset them. Aurora's cron fields (`cron`, `cronCollisionPolicy`)
// and ad-hoc retry budget (`maxTaskFailures`) sit on the same record (reference §3.1).
//
// Checks that need the other jobs (parents exist, no cycle) live in job-graph.ts; the schedule
// itself is parsed by the schedule module (./schedule) when the job is stored.
import { z } from "zod";

/** Chronos's name rule: the whole name matches `[\w.-]+`. */
export const JOB_NAME_PATTERN = /^[\w.-]+$/;

export const COLLISION_POLICIES = ["KILL_EXISTING", "CANCEL_NEW"] as const;
export type CollisionPolicy = (typeof COLLISION_POLICIES)[number];

export const CONSTRAINT_OPERATORS = ["EQUALS", "LIKE", "UNLIKE"] as const;
export type ConstraintOperator = (typeof CONSTRAINT_OPERATORS)[number];

const nonNegative = z.number().min(0);
// Chronos's own documentation posts `"cpus": "0.5"`: numbers given as strings are read too.
const resource = z.coerce.number<number | string>().min(0);
const nonNegativeInt = z.number().int().min(0);
const text = z.string().default("");

const FetchUri = z.object({
  uri: z.string().min(1),
  executable: z.boolean().default(false),
  cache: z.boolean().default(false),
  extract: z.boolean().default(true),
  output_file: z.string().optional(),
});
export type FetchUri = z.output<typeof FetchUri>;

const KeyValue = z.object({ key: z.string(), value: z.string() });

/** Chronos's container object; passed to Mesos as ContainerInfo (images: another issue). */
const Container = z.object({
  type: z.enum(["DOCKER", "MESOS"]).default("DOCKER"),
  image: z.string().min(1),
  forcePullImage: z.boolean().default(false),
  network: z.enum(["BRIDGE", "HOST", "USER"]).default("HOST"),
  networkName: z.string().optional(),
  volumes: z
    .array(
      z.object({
        containerPath: z.string().min(1),
        hostPath: z.string().optional(),
        mode: z.enum(["RO", "RW"]).default("RW"),
      }),
    )
    .default([]),
  parameters: z.array(KeyValue).default([]),
});
export type JobContainer = z.output<typeof Container>;

export const JobDefinitionSchema = z.object({
  name: z.string(),
  command: z.string().min(1, "the job's command is missing"),
  shell: z.boolean().default(true),
  arguments: z.array(z.string()).default([]),
  schedule: z.string().optional(),
  scheduleTimeZone: text,
  /** Aurora: a crontab line instead of `schedule`. */
  cron: z.string().optional(),
  /** Aurora: what a due cron run does to a run still active (KILL_EXISTING for cron jobs). */
  cronCollisionPolicy: z.enum(COLLISION_POLICIES).optional(),
  parents: z.array(z.string()).optional(),
  /** Chronos 2.x: the missed-run window, an ISO 8601 duration. */
  epsilon: z.string().optional(),
  async: z.boolean().default(false),
  owner: text,
  ownerName: text,
  description: text,
  cpus: resource.default(0),
  mem: resource.default(0),
  disk: resource.default(0),
  retries: nonNegativeInt.default(2),
  /** Aurora ad-hoc jobs: failed tasks allowed before the run fails; -1 = unlimited. */
  maxTaskFailures: z.number().int().min(-1).optional(),
  disabled: z.boolean().default(false),
  concurrent: z.boolean().default(false),
  highPriority: z.boolean().default(false),
  softError: z.boolean().default(false),
  maxCompletionTime: nonNegative.default(0),
  runAsUser: z.string().optional(),
  executor: text,
  executorFlags: text,
  taskInfoData: text,
  fetch: z.array(FetchUri).default([]),
  uris: z.array(z.string()).default([]),
  environmentVariables: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
  container: Container.nullable().default(null),
  constraints: z.array(z.tuple([z.string(), z.string(), z.string()])).default([]),
  dataProcessingJobType: z.boolean().default(false),
});
export type JobDefinition = z.output<typeof JobDefinitionSchema>;

/** Chronos's defaults for zero resources (`--mesos_task_cpu/mem/disk`). */
export const DEFAULT_TASK_RESOURCES = { cpus: 0.1, mem: 128, disk: 256 } as const;

/** What starts a job's runs. Ad-hoc jobs are stored as iso8601 `R1//PT24H` (run once, now). */
export type JobKind = "iso8601" | "cron" | "dependent";

export function jobKind(job: JobDefinition): JobKind {
  if (job.cron !== undefined) return "cron";
  if (job.parents !== undefined && job.parents.length > 0 && job.schedule === undefined)
    return "dependent";
  return "iso8601";
}

/** KILL_EXISTING is Aurora's default for cron jobs; Chronos's jobs wait for the running run. */
export function collisionPolicy(job: JobDefinition): CollisionPolicy | "WAIT" {
  if (job.cronCollisionPolicy !== undefined) return job.cronCollisionPolicy;
  return job.cron !== undefined ? "KILL_EXISTING" : "WAIT";
}

/** How many failed attempts a run may have before it fails (Chronos retries, Aurora budget). */
export function maxFailedAttempts(job: JobDefinition): number {
  if (job.maxTaskFailures !== undefined)
    return job.maxTaskFailures === -1 ? Number.POSITIVE_INFINITY : Math.max(1, job.maxTaskFailures);
  return job.retries + 1;
}

export function resourcesOf(job: JobDefinition): { cpus: number; mem: number; disk: number } {
  return {
    cpus: job.cpus > 0 ? job.cpus : DEFAULT_TASK_RESOURCES.cpus,
    mem: job.mem > 0 ? job.mem : DEFAULT_TASK_RESOURCES.mem,
    disk: job.disk > 0 ? job.disk : DEFAULT_TASK_RESOURCES.disk,
  };
}

const DURATION =
  /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Epsilon's ISO 8601 duration in ms: days and time parts only, since a missed-run window of
 * "one month" has no fixed length (schedule periods, which may be calendar months, are the
 * schedule module's). Undefined for anything else.
 */
export function epsilonMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (m === null || text === "P" || text.endsWith("T")) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((x) => (x === undefined ? 0 : Number(x)));
  return Math.round(((((d ?? 0) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60 + (s ?? 0)) * 1000);
}
