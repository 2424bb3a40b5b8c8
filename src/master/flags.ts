// The master's command-line flags (reference §5.9): Mesos's names, aliases and defaults, Mesos's
// duration syntax, and the `TESSERA_<FLAG>` and `MESOS_<FLAG>` environment variables; Mesos's
// flags that mean nothing here are accepted without effect (master-flags-without-effect.ts). Pure: the CLI hands in the raw strings, this returns typed flags or the first
// error, naming the flag.
import { readFileSync } from "node:fs";
import { weightError } from "../allocator/index.ts";
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
import { formatZkUrl, resolveZkUrl, type ZkUrl } from "../zk/url.ts";
import { DEFAULT_MASTER_FLAGS, type MasterFlags } from "./core/types.ts";
import { MASTER_FLAGS_WITHOUT_EFFECT } from "./master-flags-without-effect.ts";
import {
  MASTER_SECURITY_FLAG_SPECS,
  type MasterSecurityFlags,
  readMasterSecurityFlags,
} from "./security-flags.ts";

export interface MasterCommandFlags extends DaemonFlags {
  workDir: string | undefined;
  registry: "sqlite" | "in_memory" | "zk";
  /** `--zk`: contend for leadership (and keep the zk registry) there; undefined = standalone. */
  zk: ZkUrl | undefined;
  /** `--zk_session_timeout`. */
  zkSessionTimeoutMs: number;
  cluster: string | undefined;
  /** `--weights role=weight,...` (deprecated in Mesos, still honoured at startup). */
  weights: ReadonlyMap<string, number>;
  quiet: boolean;
  maxOperatorEventStreamSubscribers: number;
  /** `--ssl_*`: TLS flags given, over the LIBPROCESS_SSL_* variables (src/http/tls.ts). */
  tls: TlsOverrides;
  /** Authentication, ACLs and rate limits (security-flags.ts). */
  security: MasterSecurityFlags;
  /** The core's part. */
  core: MasterFlags;
}

type FlagKind = "string" | "port" | "count" | "duration" | "bool" | "registry" | "log_level";

export interface FlagSpec extends MesosFlagSpec {
  readonly kind: FlagKind;
}

const ADDRESS_FLAGS = addressFlagSpecs("master", "5050", "others are told to reach this master at");

/** Every flag `tessera master` takes, in `--help` order. */
export const MASTER_FLAG_SPECS: readonly FlagSpec[] = [
  ADDRESS_FLAGS.ip,
  ADDRESS_FLAGS.port,
  ADDRESS_FLAGS.hostname,
  ADDRESS_FLAGS.advertiseIp,
  ADDRESS_FLAGS.advertisePort,
  {
    name: "work_dir",
    kind: "string",
    default: undefined,
    help: "directory for the registry; required with --registry=sqlite",
  },
  {
    name: "registry",
    kind: "registry",
    default: undefined,
    help: "where the registry is kept: sqlite (durable, under --work_dir), in_memory, or zk (replicated in ZooKeeper under --zk); default zk with --zk, else sqlite. Mesos's replicated_log means zk with --zk, else sqlite",
  },
  {
    name: "zk",
    kind: "string",
    default: undefined,
    help: "ZooKeeper URL zk://[user:pass@]host:port[,host:port...]/path (or file:///file holding one): masters elect their leader there (high availability); unset = standalone",
  },
  {
    name: "zk_session_timeout",
    kind: "duration",
    default: "2secs",
    help: "ZooKeeper session timeout: a crashed leader is replaced about this long after it died, and a leader cut off from ZooKeeper steps down after 2/3 of it. Mesos uses 10secs; 2secs keeps failover under 5 s and still rides out 1.3 s of silence (ZooKeeper's tickTime must be at most 1 s for it to be granted)",
  },
  { name: "cluster", kind: "string", default: undefined, help: "human-readable cluster name" },
  {
    name: "allocation_interval",
    kind: "duration",
    default: "1secs",
    help: "time between batch allocations",
  },
  {
    name: "offer_timeout",
    kind: "duration",
    default: undefined,
    help: "rescind offers not answered within this time (default: never)",
  },
  {
    // Beyond Mesos: without --offer_timeout, a scheduler that opened its stream and never
    // reads or calls would hold its offers for good and starve the others (issue 22, fault 6).
    name: "silent_offer_timeout",
    kind: "duration",
    default: "10secs",
    help: "without --offer_timeout, rescind an offer after this time if its framework has made no call since it was sent (0secs: never)",
  },
  {
    name: "agent_ping_timeout",
    aliases: ["slave_ping_timeout"],
    kind: "duration",
    default: "15secs",
    help: "time to wait for an agent's answer to a ping",
  },
  {
    name: "max_agent_ping_timeouts",
    aliases: ["max_slave_ping_timeouts"],
    kind: "count",
    default: "5",
    help: "missed pings after which an agent is unreachable",
  },
  {
    name: "agent_reregister_timeout",
    aliases: ["slave_reregister_timeout"],
    kind: "duration",
    default: "10mins",
    help: "time agents have to re-register after a master failover (at least 10mins)",
  },
  {
    name: "max_completed_frameworks",
    kind: "count",
    default: "50",
    help: "completed frameworks kept in memory",
  },
  {
    name: "max_completed_tasks_per_framework",
    kind: "count",
    default: "1000",
    help: "completed tasks kept per framework",
  },
  {
    name: "max_unreachable_tasks_per_framework",
    kind: "count",
    default: "1000",
    help: "unreachable tasks kept per framework",
  },
  {
    name: "max_operator_event_stream_subscribers",
    kind: "count",
    default: "1000",
    help: "operator SUBSCRIBE streams at once; the oldest is closed beyond it",
  },
  {
    name: "roles",
    kind: "string",
    default: undefined,
    help: "comma-separated role whitelist (deprecated in Mesos; default: any role)",
  },
  {
    name: "weights",
    kind: "string",
    default: undefined,
    help: "role weights as role=weight,... (deprecated in Mesos)",
  },
  {
    name: "root_submissions",
    kind: "bool",
    default: "true",
    help: "whether frameworks may run tasks as root",
  },
  { name: "quiet", kind: "bool", default: "false", help: "log only errors" },
  {
    name: "publish_per_framework_metrics",
    kind: "bool",
    default: "true",
    help: "list each framework's calls, events, offers, operations and tasks in the metrics",
  },
  ...tlsFlagSpecs(),
  ...MASTER_SECURITY_FLAG_SPECS,
  ...(loggingFlagSpecs() as readonly FlagSpec[]),
  ...(commonFlagsWithoutEffect() as readonly FlagSpec[]),
  ...MASTER_FLAGS_WITHOUT_EFFECT,
];

/** `--zk_session_timeout`'s default (see its help; Mesos's is 10 s). */
export const DEFAULT_ZK_SESSION_TIMEOUT_MS = 2_000;

export type MasterFlagsResult = FlagsResult<MasterCommandFlags>;

/**
 * Parses flags. `given` holds the values from the command line by flag name (a bare boolean
 * flag as `true`), `env` the environment; the command line wins over the environment, which
 * wins over the default.
 */
export function parseMasterFlags(given: GivenFlags, env: FlagEnv = {}): MasterFlagsResult {
  return parseFlags(MASTER_FLAG_SPECS, given, env, readMasterFlags);
}

function readMasterFlags(r: FlagReader): MasterCommandFlags {
  const daemon = r.daemonFlags();

  const zkText = r.str("zk");
  let zk: ZkUrl | undefined;
  if (zkText !== undefined) {
    const parsed = resolveZkUrl(zkText, (path) => readFileSync(path, "utf8"));
    if (parsed.ok) zk = parsed.url;
    else r.fail("zk", parsed.error.message);
  }
  const zkSessionTimeoutMs = r.duration("zk_session_timeout") ?? DEFAULT_ZK_SESSION_TIMEOUT_MS;
  if (zkSessionTimeoutMs < 1) r.fail("zk_session_timeout", "must be at least 1ms");
  const registry = masterRegistry(r, zkText !== undefined);
  if (registry === "zk" && zkText === undefined) {
    r.fail("registry", "--registry=zk needs --zk (the ZooKeeper ensemble that keeps it)");
  }
  const workDir = r.str("work_dir");
  if (registry === "sqlite" && workDir === undefined) {
    r.fail(
      "work_dir",
      "--work_dir is required with --registry=sqlite (or use --registry=in_memory)",
    );
  }
  const allocationIntervalMs = r.duration("allocation_interval") ?? 1000;
  if (allocationIntervalMs <= 0) r.fail("allocation_interval", "must be positive");
  const silentOfferTimeoutMs = r.duration("silent_offer_timeout") ?? 10_000;
  if (silentOfferTimeoutMs < 0) r.fail("silent_offer_timeout", "must not be negative");
  const agentPingTimeoutMs = r.duration("agent_ping_timeout") ?? 15_000;
  if (agentPingTimeoutMs <= 0) r.fail("agent_ping_timeout", "must be positive");
  const agentReregisterTimeoutMs = r.duration("agent_reregister_timeout") ?? 600_000;
  // Mesos refuses anything shorter than 10 minutes (MIN_AGENT_REREGISTER_TIMEOUT).
  if (agentReregisterTimeoutMs < 600_000) {
    r.fail("agent_reregister_timeout", "must be at least 10mins");
  }
  const rolesText = r.str("roles");
  const roles = rolesText?.split(",").map((r) => r.trim());
  if (roles?.some((r) => r === "")) r.fail("roles", `'${rolesText}' has an empty role`);
  const weights = new Map<string, number>();
  for (const part of (r.str("weights") ?? "").split(",")) {
    if (part.trim() === "") continue;
    const [role, weight, extra] = part.split("=").map((s) => s.trim());
    const w = Number(weight);
    if (role === undefined || role === "" || extra !== undefined || weightError(w) !== undefined) {
      r.fail("weights", `'${part}' is not role=weight with a positive weight`);
      continue;
    }
    weights.set(role, w);
  }
  return {
    ...daemon,
    workDir,
    registry: registry === "in_memory" || registry === "zk" ? registry : "sqlite",
    zk,
    zkSessionTimeoutMs,
    cluster: r.str("cluster"),
    weights,
    quiet: r.bool("quiet"),
    tls: readTlsFlags(r),
    maxOperatorEventStreamSubscribers: r.integer(
      "max_operator_event_stream_subscribers",
      1,
      1_000_000,
    ),
    security: readMasterSecurityFlags(r),
    core: {
      ...DEFAULT_MASTER_FLAGS,
      allocationIntervalMs,
      offerTimeoutMs: r.duration("offer_timeout"),
      silentOfferTimeoutMs: silentOfferTimeoutMs === 0 ? undefined : silentOfferTimeoutMs,
      agentPingTimeoutMs,
      maxAgentPingTimeouts: r.integer("max_agent_ping_timeouts", 1, 1_000_000),
      agentReregisterTimeoutMs,
      maxCompletedFrameworks: r.integer("max_completed_frameworks", 0, 1_000_000),
      maxCompletedTasksPerFramework: r.integer("max_completed_tasks_per_framework", 0, 10_000_000),
      maxUnreachableTasksPerFramework: r.integer(
        "max_unreachable_tasks_per_framework",
        0,
        10_000_000,
      ),
      rolesWhitelist: roles,
      rootSubmissions: r.bool("root_submissions"),
      publishPerFrameworkMetrics: r.bool("publish_per_framework_metrics"),
    },
  };
}

/**
 * `--registry`: Tessera's sqlite, in_memory or zk, or Mesos's replicated_log. What a Mesos
 * operator wants of the replicated log is a registry every master shares and that outlives
 * any one master's disk: with --zk that is the zk registry (ZooKeeper replicates it to its own
 * quorum); without, a single master keeps its sqlite registry under --work_dir, as Mesos's
 * single-replica log does there.
 */
function masterRegistry(r: FlagReader, withZk: boolean): string {
  const given = r.str("registry");
  if (given === "replicated_log") {
    r.noEffect(
      "registry",
      withZk
        ? "runs with the zk registry: ZooKeeper under --zk replicates it to all masters"
        : "runs with the sqlite registry under --work_dir: with no --zk there is one master",
    );
    return withZk ? "zk" : "sqlite";
  }
  const registry = given ?? (withZk ? "zk" : "sqlite");
  if (registry !== "sqlite" && registry !== "in_memory" && registry !== "zk") {
    r.fail("registry", `'${registry}' is not one of sqlite, in_memory, zk, replicated_log`);
  }
  return registry;
}

/**
 * The flags as GET_FLAGS and `/master/state` report them: every flag by name with its value as
 * a string (unset flags without a default are left out, as Mesos does).
 */
export function flagValues(flags: MasterCommandFlags): Record<string, string> {
  const out: Record<string, string> = {
    ...daemonFlagValues(flags),
    registry: flags.registry,
    allocation_interval: formatDuration(flags.core.allocationIntervalMs),
    agent_ping_timeout: formatDuration(flags.core.agentPingTimeoutMs),
    max_agent_ping_timeouts: String(flags.core.maxAgentPingTimeouts),
    agent_reregister_timeout: formatDuration(flags.core.agentReregisterTimeoutMs),
    max_completed_frameworks: String(flags.core.maxCompletedFrameworks),
    max_completed_tasks_per_framework: String(flags.core.maxCompletedTasksPerFramework),
    max_unreachable_tasks_per_framework: String(flags.core.maxUnreachableTasksPerFramework),
    max_operator_event_stream_subscribers: String(flags.maxOperatorEventStreamSubscribers),
    root_submissions: String(flags.core.rootSubmissions),
    quiet: String(flags.quiet),
    publish_per_framework_metrics: String(flags.core.publishPerFrameworkMetrics),
    ...flags.security.shown,
  };
  if (flags.zk !== undefined) {
    out.zk = formatZkUrl(flags.zk);
    out.zk_session_timeout = formatDuration(flags.zkSessionTimeoutMs);
  }
  if (flags.workDir !== undefined) out.work_dir = flags.workDir;
  if (flags.cluster !== undefined) out.cluster = flags.cluster;
  if (flags.core.offerTimeoutMs !== undefined) {
    out.offer_timeout = formatDuration(flags.core.offerTimeoutMs);
  }
  out.silent_offer_timeout = formatDuration(flags.core.silentOfferTimeoutMs ?? 0);
  if (flags.core.rolesWhitelist !== undefined) out.roles = flags.core.rolesWhitelist.join(",");
  if (flags.weights.size > 0) {
    out.weights = [...flags.weights].map(([r, w]) => `${r}=${w}`).join(",");
  }
  return out;
}
