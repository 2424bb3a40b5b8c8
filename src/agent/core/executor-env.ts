// The environment an executor is started with (reference §3.4, Mesos's `executorEnvironment()`),
// as a pure function: the agent core puts it on every `launch_container` output.
import type { Environment } from "../../wire/task.ts";

export interface ExecutorEnvironmentParams {
  frameworkId: string;
  executorId: string;
  agentId: string;
  /** Sandbox on the host (MESOS_DIRECTORY). */
  directory: string;
  /** Sandbox as the container sees it (MESOS_SANDBOX); the host path when it has no rootfs. */
  sandbox?: string;
  /** The agent's HTTP address. */
  endpoint: { ip: string; port: number };
  checkpoint: boolean;
  httpCommandExecutor: boolean;
  shutdownGracePeriodMs: number;
  /** `--recovery_timeout`; only given to checkpointing executors. */
  recoveryTimeoutMs: number;
  /** `--executor_reregistration_timeout`; only given to checkpointing executors. */
  subscriptionBackoffMaxMs: number;
  /** The role the executor's resources are allocated to (built-in executors pass it on). */
  allocationRole?: string | undefined;
  /** ExecutorInfo.command.environment: overrides everything above. */
  commandEnvironment?: Environment | undefined;
}

const UNITS: readonly [string, number][] = [
  ["weeks", 604_800_000],
  ["days", 86_400_000],
  ["hrs", 3_600_000],
  ["mins", 60_000],
  ["secs", 1000],
  ["ms", 1],
];

/** A duration the way stout prints it: `5secs`, `15mins`, `1.5mins`, `100ms`. */
export function formatStoutDuration(ms: number): string {
  for (const [unit, size] of UNITS) {
    if (Math.abs(ms) >= size) return `${Number((ms / size).toPrecision(12))}${unit}`;
  }
  if (ms === 0) return "0ns";
  return `${Number((ms * 1e6).toPrecision(12))}ns`;
}

export function executorEnvironment(p: ExecutorEnvironmentParams): Record<string, string> {
  // Under these the shell puts the agent's own environment, or --executor_environment_variables.
  const env: Record<string, string> = {};
  const endpoint = `${p.endpoint.ip}:${p.endpoint.port}`;
  env.MESOS_FRAMEWORK_ID = p.frameworkId;
  env.MESOS_EXECUTOR_ID = p.executorId;
  env.MESOS_DIRECTORY = p.directory;
  env.MESOS_SANDBOX = p.sandbox ?? p.directory;
  env.MESOS_SLAVE_ID = p.agentId;
  // The C++ executor library builds `/slave(1)/api/v1/executor` from this (§10.2 item 10).
  env.MESOS_SLAVE_PID = `slave(1)@${endpoint}`;
  env.MESOS_AGENT_ENDPOINT = endpoint;
  env.MESOS_CHECKPOINT = p.checkpoint ? "1" : "0";
  env.MESOS_HTTP_COMMAND_EXECUTOR = p.httpCommandExecutor ? "1" : "0";
  env.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD = formatStoutDuration(p.shutdownGracePeriodMs);
  if (p.checkpoint) {
    env.MESOS_RECOVERY_TIMEOUT = formatStoutDuration(p.recoveryTimeoutMs);
    env.MESOS_SUBSCRIPTION_BACKOFF_MAX = formatStoutDuration(p.subscriptionBackoffMaxMs);
  }
  if (p.allocationRole !== undefined) env.MESOS_ALLOCATION_ROLE = p.allocationRole;
  env.LIBPROCESS_PORT = "0";
  for (const variable of p.commandEnvironment?.variables ?? []) {
    // Secrets are resolved by the shell; only plain values are set here.
    if (variable.value !== undefined) env[variable.name] = variable.value;
  }
  return env;
}
