// The master's metrics (reference §4.6): the keys the core computes from its state (tasks,
// frameworks, agents, resources, event and message counters) plus the shell's own (operator
// subscribers, system gauges), served by /metrics/snapshot, /metrics and GET_METRICS. The core
// adds keys as it counts new things, so each read first registers the keys it has not seen.
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { MetricsRegistry, type Timer } from "../../http/metrics.ts";

/** What the master's shell measures as it goes (its clock is real; the core's is handed in). */
export interface MasterTimings {
  /** How long one allocation run took (the allocator and the offers it made). */
  readonly allocationRun: Timer;
  /** How long after it was due an allocation run started. */
  readonly allocationRunLatency: Timer;
  /** How long a registry write took to become durable. */
  readonly registryStore: Timer;
  /** How long reading the registry took when this master was elected. */
  readonly registryFetch: Timer;
  /** Allocation runs since start. */
  allocationRuns: number;
}

export class MasterMetrics extends MetricsRegistry {
  readonly #coreMetrics: () => Record<string, number>;
  #latest: Record<string, number> = {};
  readonly #coreKeys = new Set<string>();
  readonly timings: MasterTimings;

  constructor(
    coreMetrics: () => Record<string, number>,
    shellGauges: Record<string, () => number>,
  ) {
    super();
    this.#coreMetrics = coreMetrics;
    for (const [key, read] of Object.entries(shellGauges)) this.pullGauge(key, read);
    this.pullGauge("system/cpus_total", () => cpus().length);
    this.pullGauge("system/load_1min", () => loadavg()[0] ?? 0);
    this.pullGauge("system/load_5min", () => loadavg()[1] ?? 0);
    this.pullGauge("system/load_15min", () => loadavg()[2] ?? 0);
    this.pullGauge("system/mem_total_bytes", () => totalmem());
    this.pullGauge("system/mem_free_bytes", () => freemem());
    this.timings = {
      allocationRun: this.timer("allocator/mesos/allocation_run_ms"),
      allocationRunLatency: this.timer("allocator/mesos/allocation_run_latency_ms"),
      registryStore: this.timer("registrar/state_store_ms"),
      registryFetch: this.timer("registrar/state_fetch_ms"),
      allocationRuns: 0,
    };
    this.pullCounter("allocator/mesos/allocation_runs", () => this.timings.allocationRuns);
  }

  #sync(): void {
    this.#latest = this.#coreMetrics();
    // Keys the core stopped listing (a removed framework's) go, as Mesos removes them.
    for (const key of this.#coreKeys) {
      if (this.#latest[key] !== undefined) continue;
      this.remove(key);
      this.#coreKeys.delete(key);
    }
    for (const key of Object.keys(this.#latest)) {
      if (this.has(key)) continue;
      try {
        this.pullGauge(key, () => this.#latest[key] ?? 0);
        this.#coreKeys.add(key);
      } catch {
        // Two keys with one Prometheus name: the first one registered is served.
      }
    }
  }

  override snapshot(): Record<string, number> {
    this.#sync();
    return super.snapshot();
  }

  override renderPrometheus(): string {
    this.#sync();
    return super.renderPrometheus();
  }
}
