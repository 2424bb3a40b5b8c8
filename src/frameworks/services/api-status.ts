// The status answers of the services API in Marathon's shapes: `/v2/info` (with the
// configuration a client reads, e.g. mesos_role) and `/metrics` (Dropwizard-style gauges and
// counters).
import type { ServicesState } from "./services-state.ts";

export interface InfoContext {
  /** `host:port` this API answers on. */
  readonly leader: string;
  readonly version: string | undefined;
  /** The framework's role (Marathon's `--mesos_role`). */
  readonly role: string | undefined;
  /** The master URL the framework subscribes to (Marathon's `--master`). */
  readonly master?: string | undefined;
  /** `zk://.../path` when the state lives in ZooKeeper (Marathon's `--zk`). */
  readonly zk?: string | undefined;
}

/** Marathon's failover timeout, seconds (the adapter subscribes with the same value). */
const FAILOVER_TIMEOUT_SECONDS = 7 * 24 * 3600;

/**
 * `/v2/info` in MarathonInfo's shape (reference §1.7): the flag dumps are snake_case and hold
 * the values this framework runs with, so tools that read them (marathon-lb, the dcos CLI)
 * see the truth. `event_subscriber` is null: HTTP callback subscribers are not served, only
 * the SSE stream.
 */
export function infoJson(state: ServicesState, ctx: InfoContext): Record<string, unknown> {
  const httpPort = Number(ctx.leader.split(":").at(-1) ?? 8080);
  return {
    name: "marathon",
    version: ctx.version ?? "1.11.0",
    buildref: "tessera",
    elected: true,
    leader: ctx.leader,
    frameworkId: state.frameworkId() ?? null,
    marathon_config: {
      master: ctx.master ?? null,
      failover_timeout: FAILOVER_TIMEOUT_SECONDS,
      framework_name: "tessera-services",
      ha: ctx.zk !== undefined,
      checkpoint: true,
      executor: "//cmd",
      hostname: ctx.leader.split(":")[0] ?? "",
      local_port_min: 10000,
      local_port_max: 20000,
      mesos_role: ctx.role ?? "*",
      mesos_user: "root",
      max_instances_per_offer: 5,
      decline_offer_duration: 120000,
      min_revive_offers_interval: 5000,
      webui_url: null,
      features: [],
    },
    zookeeper_config: {
      zk: ctx.zk ?? null,
      zk_timeout: 10000,
      zk_session_timeout: 10000,
      zk_max_versions: 50,
      zk_compression: false,
      zk_compression_threshold: 65536,
      zk_max_node_size: 1024000,
    },
    event_subscriber: null,
    http_config: { http_port: Number.isFinite(httpPort) ? httpPort : 8080, https_port: null },
  };
}

export interface ApiCounters {
  readonly requests: number;
  readonly appsCreated: number;
}

export function metricsJson(state: ServicesState, counters: ApiCounters): Record<string, unknown> {
  const gauge = (value: number) => ({ value });
  return {
    version: "4.0.0",
    gauges: {
      "marathon.apps.active.gauge": gauge(state.apps().length),
      "marathon.deployments.active.gauge": gauge(state.deployments().length),
      "marathon.instances.running.gauge": gauge(
        state.instances().filter((i) => i.state === "TASK_RUNNING").length,
      ),
    },
    counters: {
      "marathon.http.requests.counter": { count: counters.requests },
      "marathon.apps.created.counter": { count: counters.appsCreated },
    },
    histograms: {},
    meters: {},
    timers: {},
  };
}
