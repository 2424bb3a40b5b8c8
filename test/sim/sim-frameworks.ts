// Simulated frameworks as the simulator tests configure them: one role each (named after the
// framework), checkpointing, not partition-aware, in no pool, unless told otherwise.
import type { FrameworkConfig } from "../../src/sim/sim-config.ts";
import type { WorkloadSpec } from "../../src/sim/workload.ts";

export function simFramework(
  name: string,
  workloads: WorkloadSpec[],
  extra: Partial<FrameworkConfig> = {},
): FrameworkConfig {
  return {
    name,
    role: name,
    weight: undefined,
    checkpoint: true,
    partitionAware: false,
    pool: undefined,
    workloads,
    ...extra,
  };
}

/** `tasks` tasks of cpus/mem arriving together at 1 s. */
export function burstAt1s(
  tasks: number,
  cpus: number,
  memMb: number,
  duration: Extract<WorkloadSpec, { type: "burst" }>["duration"],
): WorkloadSpec {
  return { type: "burst", atMs: 1000, tasks, task: { cpus, memMb }, duration };
}
