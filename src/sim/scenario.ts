// Scenario files for `tessera simulate` (JSON or YAML): the cluster (agent groups with their
// resources and attributes), the frameworks with their roles, weights and workloads, the
// network and the faults (random rates and/or a schedule). Durations are numbers of
// milliseconds or strings with a unit ("250ms", "30s", "10m", "1h"). Parsing returns a value or
// an error with a stable code and a message naming the bad field; nothing is run on bad input.
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { FAULT_KINDS, type Fault, sortFaults } from "./faults.ts";
import { defaultSimConfig, type SimConfig } from "./sim-config.ts";
import type { DurationDist, WorkloadSpec } from "./workload.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "30s" -> 30000; a number is milliseconds. */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(value);
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * (UNIT_MS[m[2] as string] ?? 1));
}

const Duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDurationMs(v);
  if (ms === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `'${v}' is not a duration (e.g. 500ms, 30s, 10m, 1h)`,
    });
    return z.NEVER;
  }
  return ms;
});

const Dist = z.union([
  z.object({ fixed: Duration }).strict(),
  z.object({ uniform: z.tuple([Duration, Duration]) }).strict(),
  z.object({ exponential: Duration }).strict(),
]);

function toDist(d: z.output<typeof Dist>): DurationDist {
  if ("fixed" in d) return { fixedMs: d.fixed };
  if ("uniform" in d) return { uniformMs: d.uniform };
  return { exponentialMeanMs: d.exponential };
}

const TaskShape = z.object({ cpus: z.number().positive(), memMb: z.number().positive() }).strict();

const Workload = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("batch"),
      jobs: z.number().int().positive(),
      start: Duration.default(0),
      interval: Duration.default(0),
      tasksPerJob: z.union([
        z.number().int().positive(),
        z.tuple([z.number().int().positive(), z.number().int().positive()]),
      ]),
      task: TaskShape,
      duration: Dist,
      failureRate: z.number().min(0).max(1).default(0),
    })
    .strict(),
  z
    .object({
      type: z.literal("service"),
      instances: z.number().int().positive(),
      start: Duration.default(0),
      task: TaskShape,
    })
    .strict(),
  z
    .object({
      type: z.literal("burst"),
      at: Duration,
      tasks: z.number().int().positive(),
      task: TaskShape,
      duration: Dist,
    })
    .strict(),
]);

const Framework = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
    role: z.string().min(1).default("*"),
    weight: z.number().positive().optional(),
    checkpoint: z.boolean().default(true),
    partitionAware: z.boolean().default(false),
    pool: z.string().optional(),
    /** This many copies (named name-1, name-2, ...). */
    count: z.number().int().positive().default(1),
    workloads: z.array(Workload).min(1),
  })
  .strict();

const AgentGroup = z
  .object({
    count: z.number().int().positive(),
    cpus: z.number().positive(),
    memMb: z.number().positive(),
    attributes: z.record(z.string(), z.string()).default({}),
  })
  .strict();

const FaultEntry = z
  .object({
    at: Duration,
    kind: z.enum(FAULT_KINDS as [string, ...string[]]),
    target: z.number().int().min(0).default(0),
    duration: Duration.default(30_000),
  })
  .strict();

export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    seed: z.number().int().default(1),
    until: Duration,
    calm: Duration.default(0),
    sample: Duration.default(10_000),
    killAllAtEnd: z.boolean().default(false),
    /** Invariants after every master step (default), or at every sample only (big clusters). */
    checkEveryStep: z.boolean().default(true),
    cluster: z.object({ agents: z.array(AgentGroup).min(1) }).strict(),
    frameworks: z.array(Framework).min(1),
    network: z
      .object({
        latency: z.tuple([Duration, Duration]).default([1, 5]),
        dropRate: z.number().min(0).max(1).default(0),
        duplicateRate: z.number().min(0).max(1).default(0),
      })
      .strict()
      .default({ latency: [1, 5], dropRate: 0, duplicateRate: 0 }),
    faults: z
      .object({
        /** Expected faults per hour of virtual time, per kind. */
        rates: z
          .partialRecord(z.enum(FAULT_KINDS as [string, ...string[]]), z.number().min(0))
          .default({}),
        from: Duration.default(0),
        duration: z.tuple([Duration, Duration]).default([5_000, 60_000]),
        schedule: z.array(FaultEntry).default([]),
      })
      .strict()
      .default({ rates: {}, from: 0, duration: [5_000, 60_000], schedule: [] }),
    master: z
      .object({ allocationInterval: Duration.default(1000), offerTimeout: Duration.optional() })
      .strict()
      .default({ allocationInterval: 1000 }),
    /** Runs to compare (the Mesos paper's experiment): each its own run of the same scenario. */
    variants: z
      .array(z.object({ name: z.string().min(1), staticPools: z.boolean() }).strict())
      .optional(),
  })
  .strict();

export type Scenario = z.output<typeof ScenarioSchema>;

export type ScenarioResult =
  | { ok: true; scenario: Scenario }
  | { ok: false; code: "invalid_syntax" | "invalid_scenario"; message: string };

/** Parses a scenario file's text; `format` follows the file name (.json, else YAML). */
export function parseScenario(text: string, format: "json" | "yaml"): ScenarioResult {
  let raw: unknown;
  try {
    raw = format === "json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    return {
      ok: false,
      code: "invalid_syntax",
      message: `Cannot parse the scenario: ${(error as Error).message}`,
    };
  }
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined ? "" : issue.path.join(".");
    let at: unknown = raw;
    for (const key of issue?.path ?? []) {
      at =
        at !== null && typeof at === "object"
          ? (at as Record<PropertyKey, unknown>)[key]
          : undefined;
    }
    if (issue !== undefined && at === undefined && issue.path.length > 0) {
      return {
        ok: false,
        code: "invalid_scenario",
        message: `Invalid scenario: '${path}' is required`,
      };
    }
    return {
      ok: false,
      code: "invalid_scenario",
      message: `Invalid scenario${path === "" ? "" : ` at '${path}'`}: ${issue?.message ?? "unknown error"}`,
    };
  }
  const s = parsed.data;
  for (const [i, w] of s.frameworks.flatMap((f) => f.workloads).entries()) {
    if (w.type === "batch" && Array.isArray(w.tasksPerJob) && w.tasksPerJob[1] < w.tasksPerJob[0]) {
      return {
        ok: false,
        code: "invalid_scenario",
        message: `Invalid scenario: workload ${i} has tasksPerJob [min, max] with max < min`,
      };
    }
  }
  return { ok: true, scenario: s };
}

export interface ScenarioOverrides {
  seed?: number;
  /** Replaces the agent count of every group by this total (split as evenly as possible). */
  agents?: number;
  untilMs?: number;
  staticPools?: boolean;
}

/** The SimConfig of a parsed scenario, with the command line's overrides. */
export function scenarioConfig(s: Scenario, overrides: ScenarioOverrides = {}): SimConfig {
  let groups = s.cluster.agents;
  if (overrides.agents !== undefined) {
    const total = overrides.agents;
    const n = groups.length;
    groups = groups.map((g, i) => ({
      ...g,
      count: Math.floor(total / n) + (i < total % n ? 1 : 0),
    }));
  }
  const frameworks = s.frameworks.flatMap((f) =>
    Array.from({ length: f.count }, (_, i) => ({
      name: f.count === 1 ? f.name : `${f.name}-${i + 1}`,
      role: f.role,
      weight: f.weight,
      checkpoint: f.checkpoint,
      partitionAware: f.partitionAware,
      pool: f.pool,
      workloads: f.workloads.map(toWorkload),
    })),
  );
  const schedule: Fault[] = s.faults.schedule.map((e) => ({
    atMs: e.at,
    kind: e.kind as Fault["kind"],
    target: e.target,
    durationMs: e.duration,
  }));
  return defaultSimConfig({
    name: s.name,
    seed: overrides.seed ?? s.seed,
    untilMs: overrides.untilMs ?? s.until,
    calmMs: s.calm,
    killAllAtEnd: s.killAllAtEnd,
    checkEveryStep: s.checkEveryStep,
    sampleMs: s.sample,
    agents: groups.filter((g) => g.count > 0),
    frameworks,
    staticPools: overrides.staticPools ?? false,
    network: {
      minLatencyMs: s.network.latency[0],
      maxLatencyMs: Math.max(s.network.latency[0], s.network.latency[1]),
      dropRate: s.network.dropRate,
      duplicateRate: s.network.duplicateRate,
    },
    faults: {
      rates: s.faults.rates,
      fromMs: s.faults.from,
      durationMs: s.faults.duration,
      schedule: sortFaults(schedule),
    },
    master: {
      allocationIntervalMs: s.master.allocationInterval,
      offerTimeoutMs: s.master.offerTimeout ?? 30_000,
    },
  });
}

function toWorkload(w: z.output<typeof Workload>): WorkloadSpec {
  switch (w.type) {
    case "batch":
      return {
        type: "batch",
        jobs: w.jobs,
        startMs: w.start,
        intervalMs: w.interval,
        tasksPerJob:
          typeof w.tasksPerJob === "number" ? [w.tasksPerJob, w.tasksPerJob] : w.tasksPerJob,
        task: w.task,
        duration: toDist(w.duration),
        failureRate: w.failureRate,
      };
    case "service":
      return { type: "service", instances: w.instances, startMs: w.start, task: w.task };
    case "burst":
      return {
        type: "burst",
        atMs: w.at,
        tasks: w.tasks,
        task: w.task,
        duration: toDist(w.duration),
      };
  }
}
