// Containerizer launch path: launch + wait of `true` (p50, p99) and launches per second with
// a few containers in flight, for posix isolation and for cgroups (when the machine has them).
// Each configuration is bounded in time, so a slow machine gives fewer runs, not a hang.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Containerizer,
  createContainerizer,
} from "../src/agent/containerizer/containerizer.ts";
import { type BenchRow, type BenchSuite, nowMs, round } from "./harness.ts";

const RUNS = 200;
const THROUGHPUT_LAUNCHES = 200;
const IN_FLIGHT = 8;
// Per configuration and phase.
const TIME_BOUND_MS = 20_000;

function percentile(sortedMs: number[], p: number): number {
  const i = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return round(sortedMs[Math.max(0, i)] ?? 0);
}

async function runTrue(c: Containerizer, dir: string, id: string): Promise<void> {
  const launched = await c.launch(id, {
    sandboxDir: join(dir, id),
    command: { shell: true, value: "true" },
    env: { PATH: "/usr/bin:/bin" },
    resources: { cpus: 0.1, memMb: 32 },
  });
  if (!launched.ok) throw new Error(`${launched.code}: ${launched.message}`);
  const waited = await c.wait(id);
  if (!waited.ok || waited.value.exitCode !== 0) throw new Error(`container ${id} failed`);
}

async function measure(label: string, isolation: string): Promise<BenchRow[]> {
  const made = createContainerizer({ isolation, cgroupsRoot: `tessera-bench-${process.pid}` });
  if (!made.ok) {
    return [{ name: `${label}: skipped`, value: 0, unit: "-", reason: made.message }];
  }
  const c = made.value.containerizer;
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-"));
  try {
    await runTrue(c, dir, "warmup");
    const samples: number[] = [];
    const start = nowMs();
    for (let i = 0; i < RUNS && nowMs() - start < TIME_BOUND_MS; i++) {
      const t0 = nowMs();
      await runTrue(c, dir, `lat-${i}`);
      samples.push(nowMs() - t0);
    }
    samples.sort((a, b) => a - b);

    let next = 0;
    const tStart = nowMs();
    const worker = async () => {
      while (next < THROUGHPUT_LAUNCHES && nowMs() - tStart < TIME_BOUND_MS) {
        const id = `tp-${next++}`;
        await runTrue(c, dir, id);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const elapsedMs = nowMs() - tStart;
    const common = { isolation, runs: samples.length };
    return [
      {
        name: `${label}: launch+wait true p50`,
        value: percentile(samples, 50),
        unit: "ms",
        ...common,
      },
      {
        name: `${label}: launch+wait true p99`,
        value: percentile(samples, 99),
        unit: "ms",
        ...common,
      },
      {
        name: `${label}: launches/s (${IN_FLIGHT} in flight)`,
        value: Math.round((next / elapsedMs) * 1000),
        unit: "launches/s",
        isolation,
        launches: next,
      },
    ];
  } finally {
    c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  name: "containerizer",
  description: "launch+wait latency of `true` and launch throughput, posix and cgroups",
  async run() {
    return [
      ...(await measure("posix", "posix/cpu,posix/mem")),
      ...(await measure("cgroups", "cgroups/cpu,cgroups/mem")),
      ...(await measure(
        "cgroups+pid+fs",
        "cgroups/cpu,cgroups/mem,namespaces/pid,filesystem/linux",
      )),
    ];
  },
};
