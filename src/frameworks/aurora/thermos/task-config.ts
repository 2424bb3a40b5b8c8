// The task an Aurora job runs, as the Thermos-like executor reads it from TaskInfo.data (JSON).
// This is the contract between the Aurora dialect (which writes it from a job file) and the
// executor (which runs it). Field names and defaults are Aurora's schema names (reference
// frameworks-api.md §3.1), so a job file's Task passes through with only ports filled in.
import { z } from "zod";

const seconds = z.number().min(0);

export const ThermosProcess = z.object({
  name: z.string().min(1),
  cmdline: z.string(),
  /** Runs allowed to fail before the process (and so the task) is failed; 0 = unlimited. */
  max_failures: z.number().int().min(0).default(1),
  /** Restarted even after a successful exit. */
  daemon: z.boolean().default(false),
  /** Its end does not decide the task's outcome. */
  ephemeral: z.boolean().default(false),
  /** A run shorter than this waits before it is restarted (flap guard). */
  min_duration: seconds.default(5),
  /** Runs only once the task is finishing (after the regular processes, or on shutdown). */
  final: z.boolean().default(false),
});
export type ThermosProcess = z.output<typeof ThermosProcess>;

/** `order(a, b, c)`: each process starts only after the one before it finished successfully. */
export const ThermosConstraint = z.object({ order: z.array(z.string().min(1)).min(1) });

export const HttpHealthChecker = z.object({
  endpoint: z.string().default("/health"),
  expected_response: z.string().default("ok"),
  expected_response_code: z.number().int().default(200),
});

export const ShellHealthChecker = z.object({ shell_command: z.string().min(1) });

export const HealthCheckConfig = z.object({
  health_checker: z
    .object({ http: HttpHealthChecker.optional(), shell: ShellHealthChecker.optional() })
    .default({
      http: { endpoint: "/health", expected_response: "ok", expected_response_code: 200 },
    }),
  initial_interval_secs: seconds.default(15),
  interval_secs: seconds.default(10),
  timeout_secs: seconds.default(1),
  max_consecutive_failures: z.number().int().min(0).default(0),
  min_consecutive_successes: z.number().int().min(1).default(1),
});
export type HealthCheckConfig = z.output<typeof HealthCheckConfig>;

/** Aurora's Announcer: a ZooKeeper ServerSet member per running instance. */
export const Announce = z.object({
  primary_port: z.string().default("http"),
  /** Extra names for ports: alias -> port name. */
  portmap: z.record(z.string(), z.string()).default({}),
  /** The ServerSet's znode, e.g. /aurora/<role>/<environment>/<name>. */
  zk_path: z.string().min(1),
  /** ZooKeeper servers "host:port,host:port" the executor connects to. */
  zk_servers: z.string().min(1),
});
export type Announce = z.output<typeof Announce>;

export const ThermosTask = z.object({
  name: z.string().min(1),
  processes: z.array(ThermosProcess).min(1),
  constraints: z.array(ThermosConstraint).default([]),
  /** Seconds the finishing task gives its processes (and final processes) before SIGKILL. */
  finalization_wait: seconds.default(30),
  max_concurrency: z.number().int().min(0).default(0),
  /** Host ports assigned to this instance by name (`{{thermos.ports[name]}}`). */
  ports: z.record(z.string(), z.number().int().min(1).max(65535)).default({}),
  health_check_config: HealthCheckConfig.optional(),
  announce: Announce.optional(),
  /** Instance number (shard) within its job, for templating and the ServerSet member. */
  instance: z.number().int().min(0).default(0),
});
export type ThermosTask = z.output<typeof ThermosTask>;
