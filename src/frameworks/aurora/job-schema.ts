// An Aurora job file's schema (reference frameworks-api.md §3.1) in zod: one schema is both the
// type and the check, with Aurora's defaults filled in on parse. Field names are Aurora's
// (snake_case) so a `.aurora` user recognises every key; the file itself is YAML or JSON
// (job-file.ts reads it, templates it and turns zod's issues into one-line errors).
import { z } from "zod";
import { HealthCheckConfig, ThermosConstraint, ThermosProcess } from "./thermos/task-config.ts";

/** Aurora's default environments: devel, test, prod, staging<N>. */
export const ENVIRONMENT_PATTERN = /^(devel|test|prod|staging\d+)$/;
/**
 * Role, environment and job names become segments of a services app id (`/aurora/<role>/
 * <environment>/<name>`), so they follow its label rule: lower-case letters, digits, `-`, `.`.
 */
export const KEY_PART_PATTERN = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

const keyPart = (what: string) =>
  z
    .string()
    .regex(KEY_PART_PATTERN, `${what} must be lower-case letters, digits, '-' or '.' (e.g. web-1)`);

const UNITS: Record<string, number> = {
  B: 1,
  KB: 2 ** 10,
  MB: 2 ** 20,
  GB: 2 ** 30,
  TB: 2 ** 40,
};

/** A size: a number of bytes, or a string like "128MB", "1.5GB", "512 KB". */
export const Size = z.union([z.number().min(0), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?B)?\s*$/i.exec(value);
  if (match === null) {
    ctx.addIssue({
      code: "custom",
      message: `expected bytes or a size like 128MB, got '${value}'`,
    });
    return z.NEVER;
  }
  return Number(match[1]) * (UNITS[(match[2] ?? "B").toUpperCase()] ?? 1);
});

export const Resources = z.object({
  cpu: z.number().positive(),
  /** Bytes. */
  ram: Size,
  /** Bytes. */
  disk: Size.default(0),
  /** Port names; names used as `{{thermos.ports[name]}}` in a cmdline are added to these. */
  ports: z
    .array(z.string().regex(/^[\w-]+$/, "port names are letters, digits, '_' or '-'"))
    .default([]),
});
export type Resources = z.output<typeof Resources>;

export const Task = z.object({
  /** Defaults to the job's name. */
  name: z.string().min(1).optional(),
  processes: z.array(ThermosProcess).min(1, "a task needs at least one process"),
  constraints: z.array(ThermosConstraint).default([]),
  resources: Resources,
  finalization_wait: z.number().min(0).default(30),
  max_concurrency: z.number().int().min(0).default(0),
});
export type Task = z.output<typeof Task>;

const autopause = z.boolean().default(false);
/**
 * Aurora's update strategies, one key each: `queue` keeps up to batch_size instances in
 * flight, `batch` updates whole batches one after the other, `variable_batch` with growing
 * sizes; the last two may pause after each batch until resumed. When given, it replaces
 * batch_size, batch_sizes and wait_for_batch_completion (as Aurora's deprecated fields).
 */
export const UpdateStrategy = z.union([
  z.strictObject({ queue: z.strictObject({ batch_size: z.number().int().min(1).default(1) }) }),
  z.strictObject({
    batch: z.strictObject({
      batch_size: z.number().int().min(1).default(1),
      autopause_after_batch: autopause,
    }),
  }),
  z.strictObject({
    variable_batch: z.strictObject({
      batch_sizes: z.array(z.number().int().min(1)).min(1),
      autopause_after_batch: autopause,
    }),
  }),
]);
export type UpdateStrategy = z.output<typeof UpdateStrategy>;

export const UpdateConfig = z.object({
  batch_size: z.number().int().min(1).default(1),
  /** Variable batch sizes (Aurora's VariableBatch strategy), e.g. [2, 3, 5]. */
  batch_sizes: z.array(z.number().int().min(1)).optional(),
  watch_secs: z.number().int().min(0).default(45),
  max_per_shard_failures: z.number().int().min(0).default(0),
  max_total_failures: z.number().int().min(0).default(0),
  rollback_on_failure: z.boolean().default(true),
  wait_for_batch_completion: z.boolean().default(false),
  pulse_interval_secs: z.number().int().min(1).optional(),
  sla_aware: z.boolean().default(false),
  update_strategy: UpdateStrategy.optional(),
});
export type UpdateConfig = z.output<typeof UpdateConfig>;

export const JobAnnounce = z.object({
  primary_port: z.string().default("http"),
  portmap: z.record(z.string(), z.string()).default({}),
  /** Defaults to /aurora/<role>/<environment>/<name>. */
  zk_path: z.string().startsWith("/").optional(),
});
export type JobAnnounce = z.output<typeof JobAnnounce>;

export const TIERS = ["preferred", "preemptible", "revocable"] as const;
export const COLLISION_POLICIES = ["KILL_EXISTING", "CANCEL_NEW"] as const;

/**
 * What an instance range may change (canaries): the task's processes, ordering and health
 * check. Resources and placement are the job's: every instance of a job is the same size.
 */
export const InstanceOverrides = z.strictObject({
  task: z
    .strictObject({
      processes: z.array(ThermosProcess).min(1).optional(),
      constraints: z.array(ThermosConstraint).optional(),
      finalization_wait: z.number().min(0).optional(),
      max_concurrency: z.number().int().min(0).optional(),
    })
    .optional(),
  health_check_config: HealthCheckConfig.optional(),
});
export type InstanceOverrides = z.output<typeof InstanceOverrides>;

export const Job = z.object({
  role: keyPart("role"),
  environment: z
    .string()
    .regex(ENVIRONMENT_PATTERN, "environment must be devel, test, prod or staging<N>"),
  name: keyPart("name"),
  /** When given, must be the cluster the job is created on. */
  cluster: z.string().min(1).optional(),
  instances: z.number().int().min(1).default(1),
  task: Task,
  /** `{attribute: "a,b"}`, `{attribute: "!a"}`, `{attribute: "limit:N"}`, `{dedicated: "role/name"}`. */
  constraints: z.record(z.string(), z.string()).default({}),
  tier: z.enum(TIERS).optional(),
  priority: z.number().int().default(0),
  production: z.boolean().default(false),
  service: z.boolean().default(false),
  /** Ad-hoc jobs: failed tasks before the run fails; -1 = unlimited. */
  max_task_failures: z.number().int().min(-1).default(1),
  update_config: UpdateConfig.default(() => UpdateConfig.parse({})),
  health_check_config: HealthCheckConfig.optional(),
  announce: JobAnnounce.optional(),
  cron_schedule: z.string().min(1).optional(),
  cron_collision_policy: z.enum(COLLISION_POLICIES).default("KILL_EXISTING"),
  contact: z.string().optional(),
  /** Per-instance-range configs: `{"0-1": {task: {processes: [...]}}}`, `{"3": {...}}`. */
  instances_config: z.record(z.string(), InstanceOverrides).default({}),
});
export type Job = z.output<typeof Job>;
export type JobInput = z.input<typeof Job>;
