// The Marathon `App` (reference §1.3) as zod schemas: one schema is both the type and the
// check, with Marathon's defaults filled in on parse. Legacy input aliases are rewritten by
// app-normalization.ts before this schema runs; semantic checks that span fields live in
// app-validation.ts; the JSON written back lives in app-json.ts.
//
// Tessera additions (optional, ignored by Marathon clients): `upgradeStrategy.watchSeconds`
// and `upgradeStrategy.rollbackOnFailure` — Aurora's watch period with automatic rollback;
// `tier`, `priority` and `production` — Aurora's tiers and preemption (tiers.ts, preemption.ts);
// `thermos` — launch through the Thermos-like executor (src/frameworks/aurora/thermos-app.ts).
// Aurora's update control (`batchSize`, `batchSizes`, ... see UpgradeStrategy); `slaPolicy`.
import { z } from "zod";
import { ThermosApp } from "../aurora/thermos-app.ts";

const int = z.number().int();
const nonNegativeInt = int.min(0);
const nonNegative = z.number().min(0);
const stringMap = z.record(z.string(), z.string());

export const PORT_PROTOCOLS = ["tcp", "udp", "udp,tcp"] as const;

export const PortDefinition = z.object({
  port: nonNegativeInt.max(65535).default(0),
  protocol: z.enum(PORT_PROTOCOLS).default("tcp"),
  name: z.string().min(1).optional(),
  labels: stringMap.optional(),
});
export type PortDefinition = z.output<typeof PortDefinition>;

export const PortMapping = z.object({
  containerPort: nonNegativeInt.max(65535).default(0),
  /** Absent in container (user) networking means "no host port". */
  hostPort: nonNegativeInt.max(65535).optional(),
  servicePort: nonNegativeInt.max(65535).default(0),
  protocol: z.enum(PORT_PROTOCOLS).default("tcp"),
  name: z.string().min(1).optional(),
  labels: stringMap.optional(),
  networkNames: z.array(z.string()).optional(),
});
export type PortMapping = z.output<typeof PortMapping>;

export const NETWORK_MODES = ["host", "container", "container/bridge"] as const;

export const Network = z.object({
  mode: z.enum(NETWORK_MODES).default("host"),
  name: z.string().optional(),
  labels: stringMap.optional(),
});
export type Network = z.output<typeof Network>;

export const HEALTH_CHECK_PROTOCOLS = [
  "HTTP",
  "HTTPS",
  "TCP",
  "COMMAND",
  "MESOS_HTTP",
  "MESOS_HTTPS",
  "MESOS_TCP",
] as const;
export type HealthCheckProtocol = (typeof HEALTH_CHECK_PROTOCOLS)[number];

export const AppHealthCheck = z.object({
  protocol: z.enum(HEALTH_CHECK_PROTOCOLS).default("HTTP"),
  path: z.string().optional(),
  portIndex: nonNegativeInt.optional(),
  port: nonNegativeInt.max(65535).optional(),
  command: z.object({ value: z.string().min(1) }).optional(),
  gracePeriodSeconds: nonNegativeInt.default(300),
  intervalSeconds: int.min(1).default(60),
  timeoutSeconds: int.min(1).default(20),
  maxConsecutiveFailures: nonNegativeInt.default(3),
  delaySeconds: nonNegativeInt.default(15),
  ignoreHttp1xx: z.boolean().default(false),
  ipProtocol: z.enum(["IPv4", "IPv6"]).default("IPv4"),
});
export type AppHealthCheck = z.output<typeof AppHealthCheck>;

export const ReadinessCheck = z.object({
  name: z.string().min(1).default("readinessCheck"),
  protocol: z.enum(["HTTP", "HTTPS"]).default("HTTP"),
  path: z.string().default("/"),
  portName: z.string().default("http-api"),
  intervalSeconds: int.min(1).default(30),
  timeoutSeconds: int.min(1).default(10),
  httpStatusCodesForReady: z.array(int.min(100).max(599)).default([200]),
  preserveLastResponse: z.boolean().default(false),
});
export type ReadinessCheck = z.output<typeof ReadinessCheck>;

export const FetchUri = z.object({
  uri: z.string().min(1),
  extract: z.boolean().default(true),
  executable: z.boolean().default(false),
  cache: z.boolean().default(false),
  destPath: z.string().optional(),
});
export type FetchUri = z.output<typeof FetchUri>;

export const DockerContainer = z.object({
  image: z.string().min(1),
  forcePullImage: z.boolean().default(false),
  privileged: z.boolean().default(false),
  parameters: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
  pullConfig: z.object({ secret: z.string() }).optional(),
});

export const Container = z.object({
  type: z.enum(["DOCKER", "MESOS"]).default("DOCKER"),
  docker: DockerContainer.optional(),
  portMappings: z.array(PortMapping).optional(),
  // Volumes come in four shapes (host path, persistent, external, secret); Tessera's first cut
  // keeps them as given and hands them to the containerizer.
  volumes: z.array(z.looseObject({ containerPath: z.string().min(1) })).optional(),
});
export type Container = z.output<typeof Container>;

export const UpgradeStrategy = z.object({
  minimumHealthCapacity: z.number().min(0).max(1).default(1),
  maximumOverCapacity: z.number().min(0).max(1).default(1),
  /** Tessera: seconds a new instance is watched after it first becomes healthy. */
  watchSeconds: nonNegativeInt.optional(),
  /** Tessera: roll back automatically when a new instance fails within the watch period. */
  rollbackOnFailure: z.boolean().optional(),
  // Tessera: Aurora's update control (aurora-update.ts). With `batchSize` or `batchSizes` set
  // an update replaces instances in batches (kill the old, then add the new, no surge) and the
  // two capacities above are not used.
  batchSize: int.min(1).optional(),
  batchSizes: z.array(int.min(1)).min(1).optional(),
  maxPerInstanceFailures: nonNegativeInt.optional(),
  maxTotalFailures: nonNegativeInt.optional(),
  waitForBatchCompletion: z.boolean().optional(),
  autopauseAfterBatch: z.boolean().optional(),
  pulseIntervalSeconds: int.min(1).optional(),
  slaAware: z.boolean().optional(),
  /**
   * Only the old instances at these positions (0-based, oldest first, both ends included) are
   * updated: Aurora's updateOnlyTheseInstances, e.g. a canary of [0, 1]. The others keep their
   * config until a later update.
   */
  instanceRange: z
    .tuple([nonNegativeInt, nonNegativeInt])
    .refine(([first, last]) => first <= last, "the first position must not be after the last")
    .optional(),
});
export type UpgradeStrategy = z.output<typeof UpgradeStrategy>;

/** Tessera: the share of instances that must stay up (for at least durationSeconds). */
export const SlaPolicy = z.object({
  percentage: z.number().min(0).max(100).default(95),
  durationSeconds: nonNegativeInt.default(1800),
});
export type SlaPolicy = z.output<typeof SlaPolicy>;

export const UnreachableEnabled = z.object({
  inactiveAfterSeconds: nonNegativeInt.default(0),
  expungeAfterSeconds: nonNegativeInt.default(0),
});
export const UnreachableStrategy = z.union([z.literal("disabled"), UnreachableEnabled]);
export type UnreachableStrategy = z.output<typeof UnreachableStrategy>;

export const EnvValue = z.union([z.string(), z.object({ secret: z.string().min(1) })]);

/** Constraints arrive as string arrays (numbers were turned into strings by normalisation). */
export const ConstraintJson = z.array(z.string());

export const KILL_SELECTIONS = ["YOUNGEST_FIRST", "OLDEST_FIRST"] as const;
export type KillSelection = (typeof KILL_SELECTIONS)[number];

export const DEFAULT_UPGRADE_STRATEGY: UpgradeStrategy = {
  minimumHealthCapacity: 1,
  maximumOverCapacity: 1,
};

/** The app definition after defaults; `id` is still raw here (app-validation resolves it). */
export const AppDefinitionSchema = z.object({
  id: z.string(),
  cmd: z.string().optional(),
  args: z.array(z.string()).optional(),
  user: z.string().optional(),
  instances: nonNegativeInt.default(1),
  cpus: nonNegative.default(1),
  mem: nonNegative.default(128),
  disk: nonNegative.default(0),
  gpus: nonNegativeInt.default(0),
  env: z.record(z.string(), EnvValue).default({}),
  secrets: z.record(z.string(), z.object({ source: z.string() })).default({}),
  labels: stringMap.default({}),
  constraints: z.array(ConstraintJson).default([]),
  acceptedResourceRoles: z.array(z.string().min(1)).optional(),
  role: z.string().min(1).optional(),
  executor: z.string().default(""),
  fetch: z.array(FetchUri).default([]),
  container: Container.optional(),
  networks: z.array(Network).default([{ mode: "host" }]),
  portDefinitions: z.array(PortDefinition).optional(),
  requirePorts: z.boolean().default(false),
  healthChecks: z.array(AppHealthCheck).default([]),
  readinessChecks: z.array(ReadinessCheck).default([]),
  dependencies: z.array(z.string()).default([]),
  upgradeStrategy: UpgradeStrategy.default(DEFAULT_UPGRADE_STRATEGY),
  /** Tessera: the SLA that SLA-aware updates and maintenance drains keep (sla.ts). */
  slaPolicy: SlaPolicy.optional(),
  backoffSeconds: nonNegativeInt.default(1),
  backoffFactor: z.number().min(1).default(1.15),
  maxLaunchDelaySeconds: nonNegativeInt.default(300),
  taskKillGracePeriodSeconds: nonNegativeInt.optional(),
  killSelection: z.enum(KILL_SELECTIONS).default("YOUNGEST_FIRST"),
  unreachableStrategy: UnreachableStrategy.default({
    inactiveAfterSeconds: 0,
    expungeAfterSeconds: 0,
  }),
  tty: z.boolean().optional(),
  /** Tessera (Aurora): preferred | preemptible | revocable; absent = by `production` and --tiers. */
  tier: z.enum(["preferred", "preemptible", "revocable"]).optional(),
  /** Tessera (Aurora): priority within the role; higher may preempt lower (absent = 0). */
  priority: int.optional(),
  /** Tessera (Aurora): production apps are preferred and must fit their role's quota. */
  production: z.boolean().optional(),
  /** Tessera (Aurora): run each instance as this Thermos task instead of `cmd`. */
  thermos: ThermosApp.optional(),
  /** Input only: on PUT a body of just `{"version": ts}` means "roll back to that version". */
  version: z.string().optional(),
});

/** A validated app definition with every default applied and a canonical absolute `id`. */
export type AppDefinition = Omit<z.output<typeof AppDefinitionSchema>, "version"> & {
  /** The role tasks run under; Marathon's default is the framework role. */
  readonly role: string;
};

/** Whether tasks use host networking (ports come from `portDefinitions`). */
export function isHostNetworking(app: Pick<AppDefinition, "networks">): boolean {
  return app.networks.every((n) => n.mode === "host");
}

/** The port names and requested numbers in order (portDefinitions or portMappings). */
export function appPorts(app: AppDefinition): { name?: string; port: number }[] {
  if (isHostNetworking(app)) {
    return (app.portDefinitions ?? []).map((p) => ({
      port: p.port,
      ...(p.name === undefined ? {} : { name: p.name }),
    }));
  }
  return (app.container?.portMappings ?? []).map((m) => ({
    port: m.hostPort ?? 0,
    ...(m.name === undefined ? {} : { name: m.name }),
  }));
}

/**
 * The Mesos host ports an instance needs: one per port definition on host networking; on
 * bridge networking one per mapping with a host port (missing = 0 = dynamic).
 */
export function hostPortRequests(app: AppDefinition): number[] {
  if (isHostNetworking(app)) {
    return (app.portDefinitions ?? []).map((p) => (app.requirePorts ? p.port : 0));
  }
  const bridge = app.networks.some((n) => n.mode === "container/bridge");
  const out: number[] = [];
  for (const m of app.container?.portMappings ?? []) {
    if (m.hostPort !== undefined) out.push(m.hostPort);
    else if (bridge) out.push(0);
  }
  return out;
}
