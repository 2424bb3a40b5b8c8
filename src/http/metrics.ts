// A small metrics registry: counters and gauges under Mesos's metric keys (reference §4.6),
// rendered as the flat `/metrics/snapshot` JSON object and as Prometheus text for `/metrics`.
//
// Hand-written rather than prom-client: Mesos keys are the primary names here (`master/elected`)
// and a snapshot must list every key as a plain number; prom-client's registry is built around
// Prometheus names, labels and async collection, so it would be a translation layer, not a fit.
import { assert } from "../base/assert.ts";
import { stringifyWire } from "../wire/json.ts";

export type MetricKind = "counter" | "gauge";

export interface Counter {
  readonly key: string;
  inc(by?: number): void;
  readonly value: number;
}

export interface Gauge {
  readonly key: string;
  set(value: number): void;
  readonly value: number;
}

interface Entry {
  readonly kind: MetricKind;
  readonly key: string;
  read(): number;
}

/**
 * Mesos keys are `/`-separated paths; Prometheus names allow `[a-zA-Z0-9_:]` and no leading
 * digit, so every other character becomes `_`: `master/elected` -> `master_elected`.
 */
export function prometheusName(key: string): string {
  const name = key.replace(/[^a-zA-Z0-9_:]/g, "_");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

function prometheusValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

export class MetricsRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly prometheusNames = new Map<string, string>();

  /** A monotonically increasing count (Mesos `Counter`). */
  counter(key: string): Counter {
    let value = 0;
    this.add({ kind: "counter", key, read: () => value });
    return {
      key,
      inc(by = 1) {
        assert(by >= 0, `counter ${key}: cannot decrease by ${by}`);
        value += by;
      },
      get value() {
        return value;
      },
    };
  }

  /** A value that is set (Mesos `PushGauge`). */
  gauge(key: string, initial = 0): Gauge {
    let value = initial;
    this.add({ kind: "gauge", key, read: () => value });
    return {
      key,
      set(next: number) {
        value = next;
      },
      get value() {
        return value;
      },
    };
  }

  /** A value computed when read (Mesos `PullGauge`), e.g. `master/uptime_secs`. */
  pullGauge(key: string, read: () => number): void {
    this.add({ kind: "gauge", key, read });
  }

  /** A count kept elsewhere and read when asked (a counter: it only goes up). */
  pullCounter(key: string, read: () => number): void {
    this.add({ kind: "counter", key, read });
  }

  /** Removes a metric (per-framework metrics go when the framework does). */
  remove(key: string): void {
    if (this.entries.delete(key)) this.prometheusNames.delete(prometheusName(key));
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Every metric, keys sorted, as `/metrics/snapshot` and GET_METRICS report them. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of [...this.entries.keys()].sort()) out[key] = this.entries.get(key)!.read();
    return out;
  }

  /** The snapshot as Mesos prints it (non-finite values as bare tokens). */
  snapshotJson(): string {
    return stringifyWire(this.snapshot());
  }

  /** Prometheus text exposition format 0.0.4: a TYPE line and a sample per metric. */
  renderPrometheus(): string {
    const lines: string[] = [];
    for (const key of [...this.entries.keys()].sort()) {
      const entry = this.entries.get(key)!;
      const name = prometheusName(key);
      lines.push(`# HELP ${name} Mesos metric '${key}'`);
      lines.push(`# TYPE ${name} ${entry.kind}`);
      lines.push(`${name} ${prometheusValue(entry.read())}`);
    }
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  }

  private add(entry: Entry): void {
    assert(entry.key !== "", "metric key must not be empty");
    assert(!this.entries.has(entry.key), `metric '${entry.key}' registered twice`);
    const name = prometheusName(entry.key);
    const clash = this.prometheusNames.get(name);
    assert(
      clash === undefined,
      `metric '${entry.key}' has the same Prometheus name '${name}' as '${clash}'`,
    );
    this.entries.set(entry.key, entry);
    this.prometheusNames.set(name, entry.key);
  }
}
