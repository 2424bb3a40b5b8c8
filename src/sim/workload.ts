// Workloads of simulated frameworks: batch jobs (many arriving over time, each a set of tasks
// with a duration distribution and a failure rate), long-running services (N instances kept
// up), and bursts (many tasks at one instant). A workload expands, from its own seeded stream,
// into arrivals: what a framework must run and when it learns of it.
import { assert } from "../base/assert.ts";
import { exponentialMs, type SeededRandom, uniformMs } from "./prng.ts";

export type DurationDist =
  | { fixedMs: number }
  | { uniformMs: readonly [number, number] }
  | { exponentialMeanMs: number };

export interface TaskShape {
  cpus: number;
  memMb: number;
}

export type WorkloadSpec =
  | {
      type: "batch";
      /** Number of jobs. */
      jobs: number;
      /** First job at `startMs`, then one every `intervalMs` on average (exponential gaps). */
      startMs: number;
      intervalMs: number;
      /** Tasks per job: uniform in [min, max]. */
      tasksPerJob: readonly [number, number];
      task: TaskShape;
      duration: DurationDist;
      /** Probability that a task exits non-zero (TASK_FAILED). */
      failureRate: number;
    }
  | { type: "service"; instances: number; startMs: number; task: TaskShape }
  | {
      type: "burst";
      atMs: number;
      tasks: number;
      task: TaskShape;
      duration: DurationDist;
    };

export interface TaskPlanSpec extends TaskShape {
  /** Infinity for a service instance. */
  durationMs: number;
  exitCode: number;
}

export interface Arrival {
  atMs: number;
  /** A job id (batch and burst); services have none. */
  jobId: string | undefined;
  service: boolean;
  tasks: TaskPlanSpec[];
}

export function drawDurationMs(rng: SeededRandom, dist: DurationDist): number {
  if ("fixedMs" in dist) return dist.fixedMs;
  if ("uniformMs" in dist) return uniformMs(rng, dist.uniformMs[0], dist.uniformMs[1]);
  return Math.max(1, exponentialMs(rng, dist.exponentialMeanMs));
}

/** Every arrival of `spec`, in time order; `label` names jobs (`<label>-j<n>`). */
export function expandWorkload(spec: WorkloadSpec, rng: SeededRandom, label: string): Arrival[] {
  switch (spec.type) {
    case "batch": {
      assert(spec.tasksPerJob[0] >= 1 && spec.tasksPerJob[1] >= spec.tasksPerJob[0], "tasksPerJob");
      const out: Arrival[] = [];
      let atMs = spec.startMs;
      for (let j = 0; j < spec.jobs; j++) {
        const n = uniformMs(rng, spec.tasksPerJob[0], spec.tasksPerJob[1]);
        const tasks: TaskPlanSpec[] = [];
        for (let i = 0; i < n; i++) {
          tasks.push({
            ...spec.task,
            durationMs: drawDurationMs(rng, spec.duration),
            exitCode: rng.nextFloat() < spec.failureRate ? 1 : 0,
          });
        }
        out.push({ atMs, jobId: `${label}-j${j}`, service: false, tasks });
        atMs += spec.intervalMs > 0 ? exponentialMs(rng, spec.intervalMs) : 0;
      }
      return out;
    }
    case "service":
      return [
        {
          atMs: spec.startMs,
          jobId: undefined,
          service: true,
          tasks: Array.from({ length: spec.instances }, () => ({
            ...spec.task,
            durationMs: Number.POSITIVE_INFINITY,
            exitCode: 0,
          })),
        },
      ];
    case "burst":
      return [
        {
          atMs: spec.atMs,
          jobId: `${label}-burst`,
          service: false,
          tasks: Array.from({ length: spec.tasks }, () => ({
            ...spec.task,
            durationMs: drawDurationMs(rng, spec.duration),
            exitCode: 0,
          })),
        },
      ];
  }
}
