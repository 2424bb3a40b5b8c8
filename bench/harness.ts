// Shared benchmark plumbing: timing with min/median/max, heap readings, the result row format.
// Every suite returns rows; bench/run.ts prints them as a table and writes
// bench/results/<suite>.json (an array of rows). Keep this row shape stable.

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  [context: string]: string | number | boolean;
}

export interface BenchSuite {
  name: string;
  description: string;
  run(): Promise<BenchRow[]> | BenchRow[];
}

export interface Timing {
  runs: number;
  minMs: number;
  medianMs: number;
  maxMs: number;
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `fn` `runs` times (after `warmup` unmeasured runs) and summarises wall time. */
export function time(fn: () => void, runs: number, warmup = 1): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = nowMs();
    fn();
    samples.push(nowMs() - start);
  }
  return summarise(samples);
}

export function summarise(samplesMs: number[]): Timing {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    runs: sorted.length,
    minMs: round(sorted[0] ?? 0),
    medianMs: round(median),
    maxMs: round(sorted[sorted.length - 1] ?? 0),
  };
}

/** Operations per second from a timing of `opsPerRun` operations. */
export function opsPerSecond(timing: Timing, opsPerRun: number): number {
  return Math.round((opsPerRun / timing.medianMs) * 1000);
}

/**
 * The row with its target (`value` at most `max`, in the row's unit) and whether it was met:
 * the `target` and `met` columns of the printed table, the JSON and the README's table.
 */
export function withTarget(row: BenchRow, max: number): BenchRow {
  return { ...row, target: `<= ${max}`, met: row.value <= max ? "yes" : "no" };
}

/** As `withTarget`, for a row whose `value` must be at least `min`. */
export function withTargetAtLeast(row: BenchRow, min: number): BenchRow {
  return { ...row, target: `>= ${min}`, met: row.value >= min ? "yes" : "no" };
}

/** Process CPU time (user + system, every thread) since `since`, in ms. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

export function heapUsedMb(): number {
  globalThis.gc?.();
  return round(process.memoryUsage().heapUsed / (1024 * 1024));
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
