// The master's metrics (reference §4.6): the keys the core computes from its state (tasks,
// frameworks, agents, resources, event and message counters) plus the shell's own (operator
// subscribers, system gauges), served by /metrics/snapshot, /metrics and GET_METRICS. The core
// adds keys as it counts new things, so each read first registers the keys it has not seen.
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { MetricsRegistry } from "../../http/metrics.ts";

export class MasterMetrics extends MetricsRegistry {
  readonly #coreMetrics: () => Record<string, number>;
  #latest: Record<string, number> = {};

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
  }

  #sync(): void {
    this.#latest = this.#coreMetrics();
    for (const key of Object.keys(this.#latest)) {
      if (this.has(key)) continue;
      try {
        this.pullGauge(key, () => this.#latest[key] ?? 0);
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
