// `tessera agent` flags (reference §8.7): Mesos's names and defaults, Mesos's duration syntax,
// `TESSERA_<FLAG>` and `MESOS_<FLAG>` environment variables (the command line wins over the
// environment, which wins over the default); Mesos's flags that mean nothing here are accepted
// without effect (agent-flags-without-effect.ts). Pure: raw strings in, typed flags or the first error out.
import { readFileSync } from "node:fs";
import {
  addressFlagSpecs,
  commonFlagsWithoutEffect,
  daemonFlagValues,
  loggingFlagSpecs,
} from "../base/common-flags.ts";
import {
  type DaemonFlags,
  type FlagEnv,
  type FlagReader,
  type FlagsResult,
  formatDuration,
  type GivenFlags,
  type MesosFlagSpec,
  parseFlags,
} from "../base/flag-parsing.ts";
import type { TlsOverrides } from "../http/tls.ts";
import { readTlsFlags, tlsFlagSpecs } from "../http/tls-flags.ts";
import { resolveZkUrl } from "../zk/url.ts";
import { AGENT_FLAGS_WITHOUT_EFFECT } from "./agent-flags-without-effect.ts";
import {
  DOCKER_FLAG_SPECS,
  type DockerFlags,
  dockerFlagValues,
  readDockerFlags,
} from "./docker-flags.ts";
import {
  HARDENING_FLAG_SPECS,
  type HardeningFlags,
  hardeningFlagValues,
  readHardeningFlags,
} from "./hardening-flags.ts";
import { IMAGE_FLAG_SPECS, type ImageFlags, readImageFlags } from "./images/image-flags.ts";
import {
  NETWORK_FLAG_SPECS,
  type NetworkFlags,
  networkFlagValues,
  readNetworkFlags,
} from "./network/network-flags.ts";
import {
  OVERSUBSCRIPTION_FLAG_SPECS,
  type OversubscriptionFlags,
  oversubscriptionFlagValues,
  readOversubscriptionFlags,
} from "./oversubscription/oversubscription-flags.ts";
import {
  AGENT_SECURITY_FLAG_SPECS,
  type AgentSecurityFlags,
  readAgentSecurityFlags,
} from "./security-flags.ts";

export interface AgentCommandFlags extends DaemonFlags, HardeningFlags, NetworkFlags {
  /** Authentication and ACLs (security-flags.ts). */
  security: AgentSecurityFlags;
  /** Resource estimator and QoS controller (oversubscription/oversubscription-flags.ts). */
  oversubscription: OversubscriptionFlags;
  /** `host:port`, `http://host:port` or `zk://...`; undefined runs the agent without a master. */
  master: string | undefined;
  workDir: string;
  /** `--strict`: a checkpoint that cannot be read stops the agent (else it starts afresh). */
  strict: boolean;
  /** `--max_completed_executors_per_framework`: history kept for /state. */
  maxCompletedExecutorsPerFramework: number;
  /** `--resources` as given (merged over detected defaults by resources-detect.ts). */
  resources: string | undefined;
  attributes: string | undefined;
  isolation: string | undefined;
  recover: "reconnect" | "cleanup";
  executorRegistrationTimeoutMs: number;
  executorReregistrationTimeoutMs: number;
  executorShutdownGracePeriodMs: number;
  recoveryTimeoutMs: number;
  registrationBackoffFactorMs: number;
  /** `--gc_delay`, `--gc_disk_headroom`, `--disk_watch_interval`: sandbox GC (sandbox-gc.ts). */
  gcDelayMs: number;
  gcDiskHeadroom: number;
  diskWatchIntervalMs: number;
  /** `--zk_session_timeout`: the ZooKeeper session of the agent's master detector. */
  zkSessionTimeoutMs: number;
  cgroupsRoot: string | undefined;
  /** `--cgroups_enable_cfs`: a CFS quota from `cpus` (Tessera's default: on). */
  cgroupsEnableCfs: boolean;
  /** `--container_disk_watch_interval`, `--enforce_container_disk_quota`: disk/du. */
  containerDiskWatchIntervalMs: number;
  enforceContainerDiskQuota: boolean;
  /** `--sandbox_directory`: where filesystem/linux shows the sandbox inside the container. */
  sandboxDirectory: string;
  /** `--switch_user`: run tasks as their framework's (or CommandInfo's) user. */
  switchUser: boolean;
  /** `--executor_environment_variables`: the executors' whole environment, instead of the
   *  agent's own. */
  executorEnvironmentVariables: Readonly<Record<string, string>> | undefined;
  /** `--ssl_*`: TLS flags given, over the LIBPROCESS_SSL_* variables (src/http/tls.ts). */
  tls: TlsOverrides;
  /** `--image_providers`, `--docker_registry`, `--docker_store_dir`, ... (images/image-flags.ts). */
  images: ImageFlags;
  /** `--containerizers`, `--docker_socket`, ... (docker-flags.ts). */
  docker: DockerFlags;
}

type FlagKind =
  | "string"
  | "port"
  | "duration"
  | "recover"
  | "log_level"
  | "bool"
  | "json"
  | "fraction";

export interface AgentFlagSpec extends MesosFlagSpec {
  readonly kind: FlagKind;
}

const ADDRESS_FLAGS = addressFlagSpecs(
  "agent",
  "5051",
  "the master and executors use to reach this agent",
);

export const AGENT_FLAG_SPECS: readonly AgentFlagSpec[] = [
  { name: "master", kind: "string", default: undefined, help: "master as host:port or zk://…" },
  {
    name: "work_dir",
    kind: "string",
    default: undefined,
    help: "directory for sandboxes and checkpoints (required)",
  },
  ADDRESS_FLAGS.ip,
  ADDRESS_FLAGS.port,
  ADDRESS_FLAGS.hostname,
  {
    name: "resources",
    kind: "string",
    default: undefined,
    help: "total resources, text (cpus:2;mem:1024) or JSON; unset ones are detected",
  },
  {
    name: "attributes",
    kind: "string",
    default: undefined,
    help: "attributes as name:value;...",
  },
  {
    name: "isolation",
    kind: "string",
    default: undefined,
    help: "isolators, e.g. cgroups/cpu,cgroups/mem,namespaces/pid (default: strongest that works)",
  },
  {
    name: "cgroups_root",
    kind: "string",
    default: undefined,
    help: "name of the root cgroup (default: tessera)",
  },
  {
    name: "recover",
    kind: "recover",
    default: "reconnect",
    help: "reconnect to running executors after a restart, or cleanup (kill them)",
  },
  {
    name: "executor_registration_timeout",
    kind: "duration",
    default: "1mins",
    help: "time an executor has to subscribe",
  },
  {
    name: "executor_reregistration_timeout",
    kind: "duration",
    default: "2secs",
    help: "time recovered executors have to re-subscribe (max 15secs)",
  },
  {
    name: "executor_shutdown_grace_period",
    kind: "duration",
    default: "5secs",
    help: "time an executor has to shut down before it is killed",
  },
  {
    name: "recovery_timeout",
    kind: "duration",
    default: "15mins",
    help: "time executors wait for a restarting agent",
  },
  {
    name: "registration_backoff_factor",
    kind: "duration",
    default: "1secs",
    help: "bound of the first random registration delay (doubles up to 1mins)",
  },
  ADDRESS_FLAGS.advertiseIp,
  ADDRESS_FLAGS.advertisePort,
  {
    name: "strict",
    kind: "bool",
    default: "true",
    help: "treat a checkpoint that cannot be recovered as fatal (false: log it and start afresh)",
  },
  {
    name: "max_completed_executors_per_framework",
    kind: "string",
    default: "150",
    help: "finished executors per framework kept in memory for /state",
  },
  {
    name: "container_disk_watch_interval",
    kind: "duration",
    default: "15secs",
    help: "how often disk/du measures each running container's sandbox",
  },
  {
    name: "enforce_container_disk_quota",
    kind: "bool",
    default: "false",
    help: "with disk/du, end a container whose sandbox grows past its disk resource (REASON_CONTAINER_LIMITATION_DISK)",
  },
  {
    name: "cgroups_enable_cfs",
    kind: "bool",
    default: "true",
    help: "limit each container's cpu time to its cpus with a CFS quota (Mesos's default is false)",
  },
  {
    name: "sandbox_directory",
    kind: "string",
    default: "/mnt/mesos/sandbox",
    help: "where filesystem/linux mounts the sandbox inside the container (the task starts there)",
  },
  {
    name: "switch_user",
    kind: "bool",
    default: "true",
    help: "run tasks as the user their framework or command names (false: as the agent's user)",
  },
  {
    name: "executor_environment_variables",
    kind: "json",
    default: undefined,
    help: 'JSON object of the environment executors get, e.g. {"PATH":"/bin:/usr/bin"} (default: the agent\'s own environment)',
  },
  {
    name: "gc_delay",
    kind: "duration",
    default: "1weeks",
    help: "how long a finished container's sandbox is kept at most (less as the disk fills)",
  },
  {
    name: "gc_disk_headroom",
    kind: "fraction",
    default: "0.1",
    help: "share of the work dir's disk to keep free: sandboxes are removed sooner as usage nears 1 minus this",
  },
  {
    name: "disk_watch_interval",
    kind: "duration",
    default: "1mins",
    help: "how often the disk's usage is checked and sandboxes due for removal removed",
  },
  {
    name: "zk_session_timeout",
    kind: "duration",
    default: "10secs",
    help: "ZooKeeper session timeout of the agent's master detector (with --master=zk://...)",
  },
  ...HARDENING_FLAG_SPECS,
  ...OVERSUBSCRIPTION_FLAG_SPECS,
  ...tlsFlagSpecs(),
  ...AGENT_SECURITY_FLAG_SPECS,
  ...NETWORK_FLAG_SPECS,
  ...(loggingFlagSpecs() as readonly AgentFlagSpec[]),
  ...(commonFlagsWithoutEffect() as readonly AgentFlagSpec[]),
  ...IMAGE_FLAG_SPECS,
  ...DOCKER_FLAG_SPECS,
  ...AGENT_FLAGS_WITHOUT_EFFECT,
];

export type AgentFlagsResult = FlagsResult<AgentCommandFlags>;

export function parseAgentFlags(given: GivenFlags, env: FlagEnv = {}): AgentFlagsResult {
  return parseFlags(AGENT_FLAG_SPECS, given, env, readAgentFlags);
}

function readAgentFlags(r: FlagReader): AgentCommandFlags {
  const daemon = r.daemonFlags();
  const workDir = r.str("work_dir");
  if (workDir === undefined) r.fail("work_dir", "--work_dir is required");
  const recover = r.str("recover");
  if (recover !== "reconnect" && recover !== "cleanup") {
    r.fail("recover", `'${recover ?? ""}' is not one of reconnect, cleanup`);
  }
  const maxCompletedText = r.str("max_completed_executors_per_framework") ?? "";
  const maxCompletedExecutorsPerFramework = /^[0-9]+$/.test(maxCompletedText)
    ? Number(maxCompletedText)
    : Number.NaN;
  if (!Number.isSafeInteger(maxCompletedExecutorsPerFramework)) {
    r.fail("max_completed_executors_per_framework", `'${maxCompletedText}' is not a count`);
  }
  const executorReregistrationTimeoutMs = r.requiredDuration("executor_reregistration_timeout");
  // Mesos caps it at MAX_EXECUTOR_REREGISTRATION_TIMEOUT (15 s).
  if (executorReregistrationTimeoutMs > 15_000) {
    r.fail("executor_reregistration_timeout", "must be at most 15secs");
  }
  const executorEnv = r.str("executor_environment_variables");
  let executorEnvironmentVariables: Record<string, string> | undefined;
  if (executorEnv !== undefined) {
    try {
      const parsed: unknown = JSON.parse(executorEnv);
      if (
        parsed === null ||
        typeof parsed !== "object" ||
        Array.isArray(parsed) ||
        Object.values(parsed).some((v) => typeof v !== "string")
      ) {
        r.fail("executor_environment_variables", "must be a JSON object of string values");
      } else {
        executorEnvironmentVariables = parsed as Record<string, string>;
      }
    } catch (error) {
      r.fail("executor_environment_variables", `not JSON: ${(error as Error).message}`);
    }
  }
  const sandboxDirectory = r.str("sandbox_directory") ?? "";
  if (!sandboxDirectory.startsWith("/")) {
    r.fail("sandbox_directory", `'${sandboxDirectory}' is not an absolute path`);
  }
  const gcDiskHeadroom = Number(r.str("gc_disk_headroom"));
  if (!(gcDiskHeadroom >= 0 && gcDiskHeadroom <= 1)) {
    r.fail("gc_disk_headroom", `'${r.str("gc_disk_headroom") ?? ""}' is not a number in [0, 1]`);
  }
  const diskWatchIntervalMs = r.requiredDuration("disk_watch_interval");
  const containerDiskWatchIntervalMs = r.requiredDuration("container_disk_watch_interval");
  if (containerDiskWatchIntervalMs < 1)
    r.fail("container_disk_watch_interval", "must be at least 1ms");
  if (diskWatchIntervalMs < 1) r.fail("disk_watch_interval", "must be at least 1ms");
  if (r.requiredDuration("zk_session_timeout") < 1)
    r.fail("zk_session_timeout", "must be at least 1ms");
  const master = r.str("master");
  if (master !== undefined && masterBaseUrl(master) === undefined) {
    const zk = isZkMaster(master) ? resolveZkUrl(master, readText) : undefined;
    r.fail(
      "master",
      zk !== undefined && !zk.ok
        ? zk.error.message
        : `'${master}' is not host:port, http://host:port or zk://host:port[,...]/path`,
    );
  }
  return {
    ...daemon,
    ...readNetworkFlags(r),
    images: readImageFlags(r),
    docker: readDockerFlags(r),
    master,
    workDir: workDir ?? "",
    strict: r.bool("strict"),
    maxCompletedExecutorsPerFramework,
    resources: r.str("resources"),
    attributes: r.str("attributes"),
    isolation: r.str("isolation"),
    recover: recover === "cleanup" ? "cleanup" : "reconnect",
    executorRegistrationTimeoutMs: r.requiredDuration("executor_registration_timeout"),
    executorReregistrationTimeoutMs,
    executorShutdownGracePeriodMs: r.requiredDuration("executor_shutdown_grace_period"),
    recoveryTimeoutMs: r.requiredDuration("recovery_timeout"),
    registrationBackoffFactorMs: r.requiredDuration("registration_backoff_factor"),
    gcDelayMs: r.requiredDuration("gc_delay"),
    gcDiskHeadroom,
    diskWatchIntervalMs,
    zkSessionTimeoutMs: r.requiredDuration("zk_session_timeout"),
    cgroupsRoot: r.str("cgroups_root"),
    cgroupsEnableCfs: r.bool("cgroups_enable_cfs"),
    containerDiskWatchIntervalMs,
    enforceContainerDiskQuota: r.bool("enforce_container_disk_quota"),
    sandboxDirectory,
    switchUser: r.bool("switch_user"),
    executorEnvironmentVariables,
    ...readHardeningFlags(r),
    tls: readTlsFlags(r),
    security: readAgentSecurityFlags(r),
    oversubscription: readOversubscriptionFlags(r),
  };
}

/** The flags as `/flags` and GET_FLAGS report them (values as strings, unset ones left out). */
export function agentFlagValues(flags: AgentCommandFlags): Record<string, string> {
  const out: Record<string, string> = {
    ...daemonFlagValues(flags),
    ...hardeningFlagValues(flags),
    ...networkFlagValues(flags),
    ...oversubscriptionFlagValues(flags.oversubscription),
    work_dir: flags.workDir,
    recover: flags.recover,
    executor_registration_timeout: formatDuration(flags.executorRegistrationTimeoutMs),
    executor_reregistration_timeout: formatDuration(flags.executorReregistrationTimeoutMs),
    executor_shutdown_grace_period: formatDuration(flags.executorShutdownGracePeriodMs),
    recovery_timeout: formatDuration(flags.recoveryTimeoutMs),
    registration_backoff_factor: formatDuration(flags.registrationBackoffFactorMs),
    gc_delay: formatDuration(flags.gcDelayMs),
    gc_disk_headroom: String(flags.gcDiskHeadroom),
    disk_watch_interval: formatDuration(flags.diskWatchIntervalMs),
    zk_session_timeout: formatDuration(flags.zkSessionTimeoutMs),
    cgroups_enable_cfs: String(flags.cgroupsEnableCfs),
    container_disk_watch_interval: formatDuration(flags.containerDiskWatchIntervalMs),
    enforce_container_disk_quota: String(flags.enforceContainerDiskQuota),
    sandbox_directory: flags.sandboxDirectory,
    switch_user: String(flags.switchUser),
    ...dockerFlagValues(flags.docker),
    strict: String(flags.strict),
    max_completed_executors_per_framework: String(flags.maxCompletedExecutorsPerFramework),
  };
  const optional: [string, string | undefined][] = [
    ["master", flags.master],
    ["resources", flags.resources],
    ["attributes", flags.attributes],
    ["isolation", flags.isolation],
    ["cgroups_root", flags.cgroupsRoot],
    [
      "executor_environment_variables",
      flags.executorEnvironmentVariables === undefined
        ? undefined
        : JSON.stringify(flags.executorEnvironmentVariables),
    ],
  ];
  for (const [name, value] of optional) if (value !== undefined) out[name] = value;
  return { ...out, ...flags.security.shown };
}

function readText(path: string): string {
  return readFileSync(path, "utf8");
}

function isZkMaster(master: string): boolean {
  return master.startsWith("zk://") || master.startsWith("file://");
}

/**
 * `--master` as MasterLink takes it: the base URL of the master's HTTP API for host:port, or
 * the zk:// URL (a file:// URL's content) whose leader MasterLink follows through a detector.
 * Undefined for anything else.
 */
export function masterBaseUrl(
  master: string,
  scheme: "http" | "https" = "http",
): string | undefined {
  if (isZkMaster(master)) {
    const trimmed = master.trim();
    if (!resolveZkUrl(trimmed, readText).ok) return undefined;
    // Mesos reads a file:// URL's file once, at startup; so do we.
    return trimmed.startsWith("zk://") ? trimmed : readText(trimmed.slice("file://".length)).trim();
  }
  const text =
    master.startsWith("http://") || master.startsWith("https://")
      ? master
      : `${scheme}://${master}`;
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}`;
  } catch {
    return undefined;
  }
}
