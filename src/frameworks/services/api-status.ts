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
}

export function infoJson(state: ServicesState, ctx: InfoContext): Record<string, unknown> {
  return {
    name: "marathon",
    version: ctx.version ?? "1.11.0",
    buildref: "tessera",
    elected: true,
    leader: ctx.leader,
    frameworkId: state.frameworkId() ?? null,
    marathon_config: {
      framework_name: "marathon",
      max_instances_per_offer: 5,
      decline_offer_duration: 120000,
      mesos_role: ctx.role ?? "*",
    },
    http_config: { http_port: Number(ctx.leader.split(":")[1] ?? 8080) },
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
