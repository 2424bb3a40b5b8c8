// Resource -> cgroup control values (reference §8.5 for v1, §8.6 for v2). Pure.

import { assert } from "../../base/assert.ts";

export const CPU_SHARES_PER_CPU = 1024;
export const MIN_CPU_SHARES = 2;
export const CFS_PERIOD_US = 100_000;
export const MIN_CFS_QUOTA_US = 1_000;
export const CPU_WEIGHT_PER_CPU = 100;
export const MIN_CPU_WEIGHT = 1;
// The kernel's upper bound for cgroup2 cpu.weight.
export const MAX_CPU_WEIGHT = 10_000;
// Mesos never sets a memory limit below 32 MB (MIN_MEMORY).
export const MIN_MEMORY_MB = 32;
export const BYTES_PER_MB = 1024 * 1024;

/** What a container asks for; `diskMb` is recorded but not enforced by these isolators. */
export interface ContainerResources {
  readonly cpus: number;
  readonly memMb: number;
  readonly diskMb?: number | undefined;
}

export interface CgroupLimits {
  /** v1 cpu.shares: 1024 per cpu, at least 2. */
  readonly cpuShares: number;
  /** v2 cpu.weight: 100 per cpu, within [1, 10000]. */
  readonly cpuWeight: number;
  /** CFS quota per 100 ms period, at least 1 ms; null when CFS is off (no hard cpu cap). */
  readonly cfsQuotaUs: number | null;
  readonly cfsPeriodUs: number;
  /** Hard memory limit (v1 memory.limit_in_bytes, v2 memory.max), at least 32 MB. */
  readonly memLimitBytes: number;
  /** Soft memory limit (v1 memory.soft_limit_in_bytes, v2 memory.low). */
  readonly memSoftLimitBytes: number;
}

export function validateResources(resources: ContainerResources): string | null {
  if (!Number.isFinite(resources.cpus) || resources.cpus <= 0) {
    return `cpus must be a positive number, got ${resources.cpus}`;
  }
  if (!Number.isFinite(resources.memMb) || resources.memMb <= 0) {
    return `mem must be a positive number of MB, got ${resources.memMb}`;
  }
  return null;
}

/**
 * Mesos sets the CFS quota only with `--cgroups_enable_cfs` (default off); Tessera turns it on
 * by default so that `cpus` is a hard cap, which is what the issue asks for.
 */
export function cgroupLimits(resources: ContainerResources, enableCfs: boolean): CgroupLimits {
  assert(validateResources(resources) === null, "resources must be validated before use");
  const memBytes = Math.floor(Math.max(resources.memMb, MIN_MEMORY_MB) * BYTES_PER_MB);
  return {
    cpuShares: Math.max(Math.floor(CPU_SHARES_PER_CPU * resources.cpus), MIN_CPU_SHARES),
    cpuWeight: Math.min(
      Math.max(Math.floor(CPU_WEIGHT_PER_CPU * resources.cpus), MIN_CPU_WEIGHT),
      MAX_CPU_WEIGHT,
    ),
    cfsQuotaUs: enableCfs
      ? Math.max(Math.floor(resources.cpus * CFS_PERIOD_US), MIN_CFS_QUOTA_US)
      : null,
    cfsPeriodUs: CFS_PERIOD_US,
    memLimitBytes: memBytes,
    memSoftLimitBytes: memBytes,
  };
}

/**
 * The hard memory limit to write on an update. Mesos only ever raises it: lowering it below
 * what the container already uses would OOM-kill it; a reduction changes only the soft limit.
 */
export function nextHardMemLimitBytes(currentBytes: number | null, wantedBytes: number): number {
  if (currentBytes === null) return wantedBytes;
  return Math.max(currentBytes, wantedBytes);
}

/** v2 `cpu.max` content: "<quota> <period>" or "max <period>". */
export function cpuMaxValue(limits: CgroupLimits): string {
  return `${limits.cfsQuotaUs ?? "max"} ${limits.cfsPeriodUs}`;
}
