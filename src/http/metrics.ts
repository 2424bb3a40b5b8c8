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

export interface Timer {
  readonly key: string;
  /** Records one duration in milliseconds. */
  record(ms: number): void;
}

interface Entry {
  readonly kind: MetricKind;
  readonly key: string;
  read(): number;
}

/**
 * How many of its latest samples a timer keeps for its percentiles. Mesos keeps a time series
 * over a window; a fixed count bounds the memory the same way for every timer.
 */
export const TIMER_SAMPLES = 1000;

/** The suffixes Mesos adds to a timer's key, beside the last value under the key itself. */
const TIMER_PERCENTILES: readonly [string, number][] = [
  ["p50", 0.5],
  ["p90", 0.9],
  ["p95", 0.95],
  ["p99", 0.99],
  ["p999", 0.999],
  ["p9999", 0.9999],
];

/** A timer's samples, kept in a ring of TIMER_SAMPLES. */
class TimerSeries {
  readonly #samples: number[] = [];
  #next = 0;
  #last = 0;

  record(ms: number): void {
    this.#last = ms;
    if (this.#samples.length < TIMER_SAMPLES) this.#samples.push(ms);
    else this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % TIMER_SAMPLES;
  }

  /** `key`, `key/count`, `/min`, `/max` and the percentiles; nothing before the first sample. */
  entries(key: string): [string, number][] {
    if (this.#samples.length === 0) return [];
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return [
      [key, this.#last],
      [`${key}/count`, sorted.length],
      [`${key}/max`, sorted[sorted.length - 1]!],
      [`${key}/min`, sorted[0]!],
      ...TIMER_PERCENTILES.map(([name, q]): [string, number] => [`${key}/${name}`, at(q)]),
    ];
  }
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
  private readonly timers = new Map<string, TimerSeries>();

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

  /**
   * A duration metric as Mesos's `Timer`: `key` (e.g. `allocator/mesos/allocation_run_ms`) is
   * the last value, `key/count`, `/min`, `/max`, `/p50` ... `/p9999` summarize the latest
   * samples. Like Mesos, none of them is listed before the first sample.
   */
  timer(key: string): Timer {
    assert(key !== "", "metric key must not be empty");
    assert(!this.entries.has(key) && !this.timers.has(key), `metric '${key}' registered twice`);
    const series = new TimerSeries();
    this.timers.set(key, series);
    return { key, record: (ms) => series.record(ms) };
  }

  /** Removes a metric (per-framework metrics go when the framework does). */
  remove(key: string): void {
    if (this.entries.delete(key)) this.prometheusNames.delete(prometheusName(key));
  }

  has(key: string): boolean {
    return this.entries.has(key) || this.timers.has(key);
  }

  /** Every metric, keys sorted, as `/metrics/snapshot` and GET_METRICS report them. */
  snapshot(): Record<string, number> {
    const all: [string, number][] = [];
    for (const [key, entry] of this.entries) all.push([key, entry.read()]);
    for (const [key, series] of this.timers) all.push(...series.entries(key));
    all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(all);
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
    // A timer's keys are gauges of the latest samples (a summary's quantiles need labels).
    for (const [timerKey, series] of [...this.timers].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const [key, value] of series.entries(timerKey)) {
        const name = prometheusName(key);
        lines.push(`# HELP ${name} Mesos metric '${key}'`);
        lines.push(`# TYPE ${name} gauge`);
        lines.push(`${name} ${prometheusValue(value)}`);
      }
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
