// What the Chronos API sends back (reference §2.2, §2.4): the job JSON with its defaults and
// read-only stats, the jobs summary, the dependency graph as Graphviz dot and as CSV, job stats
// and percentiles, and Tessera's run history (`job/<name>/history`) and queue (`queue`).
import type { JobsState } from "./jobs-state.ts";
import type { JobRecord, WaitingReason } from "./jobs-types.ts";
import type { RunRecord } from "./run-record.ts";

const iso = (ms: number | undefined) => (ms === undefined ? "" : new Date(ms).toISOString());

/** The job as Chronos lists it: every field with its value or default, and the stats. */
export function jobJson(state: JobsState, job: JobRecord): Record<string, unknown> {
  const d = job.definition;
  const out: Record<string, unknown> = {
    name: d.name,
    command: d.command,
    shell: d.shell,
    arguments: d.arguments,
    owner: d.owner,
    ownerName: d.ownerName,
    description: d.description,
    successCount: job.stats.successCount,
    errorCount: job.stats.errorCount,
    lastSuccess: iso(job.stats.lastSuccessMs),
    lastError: iso(job.stats.lastErrorMs),
    errorsSinceLastSuccess: job.stats.errorsSinceLastSuccess,
    cpus: d.cpus,
    disk: d.disk,
    mem: d.mem,
    disabled: d.disabled,
    softError: d.softError,
    dataProcessingJobType: d.dataProcessingJobType,
    retries: d.retries,
    concurrent: d.concurrent,
    highPriority: d.highPriority,
    maxCompletionTime: d.maxCompletionTime,
    executor: d.executor,
    executorFlags: d.executorFlags,
    taskInfoData: d.taskInfoData,
    async: d.async,
    // Chronos lists the deprecated `uris` and `fetch` as copies of one another.
    uris: d.uris.length > 0 ? d.uris : d.fetch.map((f) => f.uri),
    fetch:
      d.fetch.length > 0
        ? d.fetch
        : d.uris.map((uri) => ({ uri, executable: false, cache: false, extract: true })),
    environmentVariables: d.environmentVariables,
    constraints: d.constraints,
  };
  if (d.runAsUser !== undefined) out.runAsUser = d.runAsUser;
  if (d.container !== null) out.container = d.container;
  if (d.epsilon !== undefined) out.epsilon = d.epsilon;
  if (d.maxTaskFailures !== undefined) out.maxTaskFailures = d.maxTaskFailures;
  if (d.parents !== undefined) out.parents = d.parents;
  else if (d.cron !== undefined) {
    out.cron = d.cron;
    out.cronCollisionPolicy = d.cronCollisionPolicy ?? "KILL_EXISTING";
    out.scheduleTimeZone = d.scheduleTimeZone;
  } else if (job.schedule !== undefined) {
    out.schedule = state.formatSchedule(job.schedule);
    out.scheduleTimeZone = d.scheduleTimeZone;
    if (d.cronCollisionPolicy !== undefined) out.cronCollisionPolicy = d.cronCollisionPolicy;
  }
  // Tessera: when the next occurrence is due ("" when the schedule has no runs left).
  if (d.parents === undefined && job.schedule !== undefined)
    out.nextRun = job.schedule.remaining === 0 ? "" : iso(job.schedule.startMs);
  return out;
}

/** success | failure | fresh: how the job's last finished run ended. */
export function lastState(state: JobsState, name: string): "success" | "failure" | "fresh" {
  for (const r of state.runsOf(name)) {
    if (r.state === "success") return "success";
    if (r.state === "failure") return "failure";
  }
  return "fresh";
}

/** idle | queued | running | "N running". */
export function currentStatus(state: JobsState, name: string): string {
  let running = 0;
  let queued = false;
  for (const r of state.runsOf(name)) {
    if (r.state === "running" || r.state === "launching") running++;
    else if (r.state === "queued") queued = true;
  }
  if (running > 1) return `${running} running`;
  if (running === 1) return "running";
  return queued ? "queued" : "idle";
}

export function summaryJson(state: JobsState): { jobs: Record<string, unknown>[] } {
  return {
    jobs: sortedJobs(state).map((j) => {
      const d = j.definition;
      return {
        name: d.name,
        status: currentStatus(state, d.name),
        state: lastState(state, d.name),
        schedule:
          d.cron ??
          (j.schedule !== undefined && d.parents === undefined
            ? state.formatSchedule(j.schedule)
            : ""),
        parents: d.parents ?? [],
        disabled: d.disabled,
        // Tessera: when a scheduled job runs next, as in its job JSON (the CLI's NEXT column).
        ...(j.schedule === undefined || d.parents !== undefined
          ? {}
          : { nextRun: j.schedule.remaining === 0 ? "" : iso(j.schedule.startMs) }),
      };
    }),
  };
}

export function sortedJobs(state: JobsState): JobRecord[] {
  return state.jobs().sort((a, b) => (a.definition.name < b.definition.name ? -1 : 1));
}

const DOT_COLOR = { success: "green", failure: "red", fresh: "white" } as const;

export function graphDot(state: JobsState): string {
  const lines = ["digraph G {", "  node [style=filled];"];
  for (const j of sortedJobs(state)) {
    const name = j.definition.name;
    lines.push(`  "${name}" [fillcolor="${DOT_COLOR[lastState(state, name)]}"];`);
  }
  for (const j of sortedJobs(state))
    for (const p of j.definition.parents ?? []) lines.push(`  "${p}" -> "${j.definition.name}";`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

export function graphCsv(state: JobsState): string {
  const lines: string[] = [];
  for (const j of sortedJobs(state)) {
    const name = j.definition.name;
    lines.push(`node,${name},${lastState(state, name)},${currentStatus(state, name)}`);
  }
  for (const j of sortedJobs(state))
    for (const p of j.definition.parents ?? []) lines.push(`link,${p},${j.definition.name}`);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** Durations (ms) of a job's finished runs that started, oldest first. */
function durationsMs(state: JobsState, name: string): number[] {
  const out: number[] = [];
  for (const r of state.runsOf(name))
    if (r.startedMs !== undefined && r.endedMs !== undefined && r.state !== "skipped")
      out.push(r.endedMs - r.startedMs);
  return out.reverse();
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] as number;
}

export const PERCENTILES = {
  "99thPercentile": 0.99,
  "98thPercentile": 0.98,
  "95thPercentile": 0.95,
  "75thPercentile": 0.75,
  median: 0.5,
} as const;

function histogram(values: readonly number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const out: Record<string, number> = {};
  for (const [k, p] of Object.entries(PERCENTILES)) out[k] = percentile(sorted, p);
  out.mean = mean;
  out.count = sorted.length;
  return out;
}

export function jobStatJson(state: JobsState, name: string): Record<string, unknown> {
  return {
    histogram: histogram(durationsMs(state, name)),
    taskStatHistory: state
      .runsOf(name)
      .filter((r) => r.taskId !== undefined && r.state !== "skipped")
      .map((r) => ({
        taskId: r.taskId,
        jobName: r.job,
        slaveId: r.agentId ?? "",
        startTime: iso(r.startedMs),
        endTime: iso(r.endedMs),
        duration:
          r.startedMs !== undefined && r.endedMs !== undefined ? r.endedMs - r.startedMs : 0,
        status: r.state,
        numElementsProcessed: 0,
      })),
  };
}

/** `stats/<percentile>`: every job's run time at that percentile in seconds, slowest first. */
export function percentileJson(
  state: JobsState,
  which: keyof typeof PERCENTILES | "mean",
): { jobNameLabel: string; time: number }[] {
  return sortedJobs(state)
    .map((j) => {
      const h = histogram(durationsMs(state, j.definition.name));
      return { jobNameLabel: j.definition.name, time: (h[which] ?? 0) / 1000, count: h.count };
    })
    .filter((x) => (x.count ?? 0) > 0)
    .map(({ jobNameLabel, time }) => ({ jobNameLabel, time }))
    .sort((a, b) => b.time - a.time);
}

export function runJson(
  run: RunRecord,
  frameworkId: string | undefined,
  why: WaitingReason | undefined,
): Record<string, unknown> {
  const sandbox =
    run.agentUrl !== undefined && run.taskId !== undefined && frameworkId !== undefined
      ? `${run.agentUrl}/files/browse?path=${encodeURIComponent(
          `/frameworks/${frameworkId}/executors/${run.taskId}/runs/latest`,
        )}`
      : "";
  return {
    runId: run.runId,
    due: iso(run.dueMs),
    trigger: run.trigger,
    started: iso(run.startedMs),
    ended: iso(run.endedMs),
    state: run.state,
    attempt: run.attempt,
    taskId: run.taskId ?? "",
    exitCode: run.exitCode ?? null,
    agentId: run.agentId ?? "",
    hostname: run.hostname ?? "",
    sandbox,
    reason:
      run.skipReason ?? (why === undefined ? "" : `waiting for ${why.waiting}: ${why.detail}`),
    message: run.message ?? "",
    ...(run.arguments.length > 0 ? { arguments: run.arguments } : {}),
    ...(run.skippedCount !== undefined
      ? { skippedCount: run.skippedCount, lastDue: iso(run.lastDueMs) }
      : {}),
  };
}
