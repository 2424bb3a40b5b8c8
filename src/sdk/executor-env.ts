// What an executor learns from its environment (reference §3.4): where the agent is, which
// framework and executor it is, and, for checkpointing frameworks, how long to keep trying to
// reach a restarting agent. Durations arrive in stout's format (`5secs`, `15mins`, `100ms`).

import { tlsSettingsFrom } from "../http/tls.ts";
export interface ExecutorEnv {
  /** `http(s)://<MESOS_AGENT_ENDPOINT>/api/v1/executor` (https with LIBPROCESS_SSL_ENABLED). */
  readonly agentUrl: string;
  readonly frameworkId: string;
  readonly executorId: string;
  readonly agentId: string | undefined;
  readonly directory: string | undefined;
  readonly sandbox: string | undefined;
  readonly checkpoint: boolean;
  /** How long to keep resubscribing after the agent went away (checkpointing only). */
  readonly recoveryTimeoutMs: number | undefined;
  /** Longest wait between resubscription attempts (checkpointing only). */
  readonly subscriptionBackoffMaxMs: number | undefined;
  readonly shutdownGracePeriodMs: number | undefined;
  /** `MESOS_EXECUTOR_AUTHENTICATION_TOKEN`, sent as a Bearer token when present. */
  readonly authenticationToken: string | undefined;
}

export type ExecutorEnvResult =
  | { readonly ok: true; readonly value: ExecutorEnv }
  | { readonly ok: false; readonly code: "EXECUTOR_ENV_INVALID"; readonly message: string };

const STOUT_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1_000,
  mins: 60_000,
  hrs: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

/** `15mins` -> 900000; undefined when the text is not a stout duration. */
export function parseStoutDurationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(ns|us|ms|secs|mins|hrs|days|weeks)$/.exec(text.trim());
  if (match === null) return undefined;
  const unit = STOUT_UNITS_MS[match[2] as string] as number;
  return Number(match[1]) * unit;
}

/** Reads the executor environment; names the first variable that is missing or malformed. */
export function readExecutorEnv(
  env: Readonly<Record<string, string | undefined>>,
): ExecutorEnvResult {
  const fail = (message: string): ExecutorEnvResult => ({
    ok: false,
    code: "EXECUTOR_ENV_INVALID",
    message,
  });
  const endpoint = env.MESOS_AGENT_ENDPOINT;
  const frameworkId = env.MESOS_FRAMEWORK_ID;
  const executorId = env.MESOS_EXECUTOR_ID;
  if (!endpoint) return fail("MESOS_AGENT_ENDPOINT is not set (is this running under an agent?)");
  if (!frameworkId) return fail("MESOS_FRAMEWORK_ID is not set");
  if (!executorId) return fail("MESOS_EXECUTOR_ID is not set");
  const durations: Record<string, number | undefined> = {};
  for (const name of [
    "MESOS_RECOVERY_TIMEOUT",
    "MESOS_SUBSCRIPTION_BACKOFF_MAX",
    "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD",
  ]) {
    const text = env[name];
    if (text === undefined || text === "") continue;
    const ms = parseStoutDurationMs(text);
    if (ms === undefined) return fail(`${name}='${text}' is not a duration like 5secs or 15mins`);
    durations[name] = ms;
  }
  return {
    ok: true,
    value: {
      // MESOS_AGENT_ENDPOINT has no scheme: LIBPROCESS_SSL_ENABLED says https, as in Mesos.
      agentUrl: `${tlsEnabledIn(env) ? "https" : "http"}://${endpoint}/api/v1/executor`,
      frameworkId,
      executorId,
      agentId: env.MESOS_SLAVE_ID,
      directory: env.MESOS_DIRECTORY,
      sandbox: env.MESOS_SANDBOX,
      checkpoint: env.MESOS_CHECKPOINT === "1",
      recoveryTimeoutMs: durations.MESOS_RECOVERY_TIMEOUT,
      subscriptionBackoffMaxMs: durations.MESOS_SUBSCRIPTION_BACKOFF_MAX,
      shutdownGracePeriodMs: durations.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD,
      authenticationToken: env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN,
    },
  };
}

function tlsEnabledIn(env: Readonly<Record<string, string | undefined>>): boolean {
  const read = tlsSettingsFrom(env);
  return read.ok && read.settings.enabled;
}
