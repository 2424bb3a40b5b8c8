// `tessera simulate SCENARIO.(json|yaml) [--seed N] [--agents N] [--until T] [--json FILE]`:
// runs a scenario on the deterministic simulator (src/sim: the real master core, allocator and
// agent core on a virtual clock) and prints a summary: utilization over time, task wait and
// completion times, job completion times, fairness per role, offers made/accepted/declined.
// A scenario with `variants` (e.g. static partitions vs one shared pool) runs once per variant
// and the tables put the variants side by side. The progress bar goes to stderr, on a TTY only.
import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { SimInvariantError, type SimReport, type Stats } from "../sim/index.ts";
import { parseDurationMs, parseScenario, type Scenario, scenarioConfig } from "../sim/scenario.ts";
import { Simulation } from "../sim/simulation.ts";
import { CliError, usageError } from "./cli-error.ts";
import { runAction } from "./command-kit.ts";
import { renderTable } from "./output.ts";

export interface SimulateOptions {
  seed?: string;
  agents?: string;
  until?: string;
  json?: string;
}

export interface VariantRun {
  variant: string;
  report: SimReport;
}

export function addSimulateCommand(program: Command): void {
  program
    .command("simulate")
    .description(
      "run a scenario on the deterministic simulator (virtual clock; the real master core, allocator and agent core)",
    )
    .argument("<scenario>", "scenario file: .json, .yaml or .yml")
    .option("--seed <n>", "seed of every random choice (default: the scenario's)")
    .option("--agents <n>", "number of agents (replaces the scenario's counts)")
    .option("--until <duration>", "virtual time to run, e.g. 30m (default: the scenario's)")
    .option("--json <file>", "also write the full report as JSON to this file")
    .action(
      runAction(async (file: string, opts: SimulateOptions) => {
        const scenario = loadScenario(file);
        const overrides = parseOverrides(opts);
        const runs = runScenario(scenario, overrides, progressReporter());
        process.stdout.write(`${formatRuns(scenario, runs)}\n`);
        if (opts.json !== undefined) {
          writeFileSync(
            opts.json,
            `${JSON.stringify({ scenario: scenario.name, runs }, null, 2)}\n`,
          );
        }
      }),
    );
}

function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError("NOT_FOUND", `Cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = parseScenario(text, file.endsWith(".json") ? "json" : "yaml");
  if (!parsed.ok) throw usageError(`${file}: ${parsed.message}`);
  return parsed.scenario;
}

function parseOverrides(opts: SimulateOptions): {
  seed?: number;
  agents?: number;
  untilMs?: number;
} {
  const out: { seed?: number; agents?: number; untilMs?: number } = {};
  if (opts.seed !== undefined) {
    if (!/^-?\d+$/.test(opts.seed))
      throw usageError(`--seed must be an integer, not '${opts.seed}'`);
    out.seed = Number(opts.seed);
  }
  if (opts.agents !== undefined) {
    if (!/^\d+$/.test(opts.agents) || Number(opts.agents) < 1)
      throw usageError(`--agents must be a positive integer, not '${opts.agents}'`);
    out.agents = Number(opts.agents);
  }
  if (opts.until !== undefined) {
    const ms = parseDurationMs(/^\d+$/.test(opts.until) ? `${opts.until}s` : opts.until);
    if (ms === undefined || ms <= 0)
      throw usageError(`--until must be a duration such as 90s or 30m, not '${opts.until}'`);
    out.untilMs = ms;
  }
  return out;
}

/** Runs every variant of the scenario (or the scenario once); throws on an invariant violation. */
export function runScenario(
  scenario: Scenario,
  overrides: { seed?: number; agents?: number; untilMs?: number },
  onProgress?: (label: string, fraction: number) => void,
): VariantRun[] {
  const variants = scenario.variants ?? [{ name: "run", staticPools: false }];
  return variants.map((v) => {
    const sim = new Simulation(
      scenarioConfig(scenario, { ...overrides, staticPools: v.staticPools }),
    );
    try {
      const report = sim.run((f) => onProgress?.(v.name, f));
      return { variant: v.name, report };
    } catch (error) {
      if (error instanceof SimInvariantError) throw new CliError("REFUSED", error.message);
      throw error;
    }
  });
}

function progressReporter(): ((label: string, fraction: number) => void) | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  return (label, fraction) => {
    const width = 30;
    const done = Math.round(fraction * width);
    process.stderr.write(
      `\r${label.padEnd(12)} [${"#".repeat(done)}${".".repeat(width - done)}] ${Math.round(fraction * 100)}%`,
    );
    if (fraction >= 1) process.stderr.write("\n");
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const dist = (s: Stats) => (s.count === 0 ? "-" : `${secs(s.p50)} / ${secs(s.p95)}`);

/** The summary tables, one column per variant. */
export function formatRuns(scenario: Scenario, runs: readonly VariantRun[]): string {
  const first = runs[0]?.report;
  if (first === undefined) return "";
  const out: string[] = [];
  out.push(
    `scenario ${scenario.name}: seed ${first.seed}, ${first.cluster.agents} agents (${first.cluster.cpus} cpus, ${first.cluster.memMb} MB), ${secs(first.untilMs)} virtual`,
  );
  const rows: { name: string; value: (r: SimReport) => string }[] = [
    { name: "cpu utilization (mean)", value: (r) => pct(r.utilization.meanCpu) },
    { name: "mem utilization (mean)", value: (r) => pct(r.utilization.meanMem) },
    { name: "tasks launched", value: (r) => String(r.tasks.launched) },
    {
      name: "tasks finished / failed / killed / lost",
      value: (r) => `${r.tasks.finished} / ${r.tasks.failed} / ${r.tasks.killed} / ${r.tasks.lost}`,
    },
    { name: "task wait p50 / p95", value: (r) => dist(r.tasks.waitMs) },
    { name: "task completion p50 / p95", value: (r) => dist(r.tasks.completionMs) },
    { name: "jobs completed", value: (r) => `${r.jobs.completed} of ${r.jobs.submitted}` },
    {
      name: "job completion mean",
      value: (r) => (r.jobs.completionMs.count === 0 ? "-" : secs(r.jobs.completionMs.mean)),
    },
    { name: "job completion p50 / p95", value: (r) => dist(r.jobs.completionMs) },
    {
      name: "offers made / accepted / declined",
      value: (r) => `${r.offers.made} / ${r.offers.accepted} / ${r.offers.declined}`,
    },
    {
      name: "faults",
      value: (r) =>
        Object.entries(r.faults)
          .map(([k, n]) => `${k} ${n}`)
          .join(", ") || "none",
    },
    { name: "trace hash", value: (r) => r.traceHash },
  ];
  out.push("");
  out.push(
    renderTable(
      [
        { header: "METRIC", value: (row: (typeof rows)[number]) => row.name },
        ...runs.map((run) => ({
          header: run.variant.toUpperCase(),
          value: (row: (typeof rows)[number]) => row.value(run.report),
        })),
      ],
      rows,
    ),
  );
  // Utilization over time: up to 12 evenly spaced samples.
  const timeline = first.utilization.timeline;
  const step = Math.max(1, Math.ceil(timeline.length / 12));
  const points = timeline.filter((_, i) => (i + 1) % step === 0 || i === timeline.length - 1);
  if (points.length > 0) {
    out.push("");
    out.push(
      renderTable(
        [
          { header: "TIME", value: (p: (typeof points)[number]) => secs(p.tMs) },
          ...runs.map((run) => ({
            header: `CPU ${run.variant.toUpperCase()}`,
            value: (p: (typeof points)[number]) => {
              const at = run.report.utilization.timeline.find((s) => s.tMs === p.tMs);
              return at === undefined ? "-" : pct(at.cpu);
            },
          })),
        ],
        points,
      ),
    );
  }
  const roles = first.roles.map((r) => r.role);
  out.push("");
  out.push(
    renderTable(
      [
        { header: "ROLE", value: (role: string) => role },
        ...runs.map((run) => ({
          header: `SHARE ${run.variant.toUpperCase()} (MEAN/MAX)`,
          value: (role: string) => {
            const r = run.report.roles.find((x) => x.role === role);
            return r === undefined ? "-" : `${pct(r.meanShare)} / ${pct(r.maxShare)}`;
          },
        })),
      ],
      roles,
    ),
  );
  for (const run of runs) {
    out.push("");
    if (runs.length > 1) out.push(`${run.variant}:`);
    out.push(
      renderTable(
        [
          { header: "FRAMEWORK", value: (f: SimReport["frameworks"][number]) => f.name },
          { header: "ROLE", value: (f) => f.role },
          { header: "OFFERS", value: (f) => String(f.offersReceived) },
          { header: "ACCEPTED", value: (f) => String(f.offersAccepted) },
          { header: "DECLINED", value: (f) => String(f.offersDeclined) },
          { header: "TASKS", value: (f) => String(f.tasksLaunched) },
          { header: "JOBS DONE", value: (f) => String(f.jobsCompleted) },
          {
            header: "JOB TIME MEAN",
            value: (f) => (f.jobCompletionMs.count === 0 ? "-" : secs(f.jobCompletionMs.mean)),
          },
        ],
        run.report.frameworks,
      ),
    );
  }
  return out.join("\n");
}
