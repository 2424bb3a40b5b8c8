// cgroups isolation end to end (reference §8.5, §8.6): a real master, a real agent with
// `--isolation=cgroups/cpu,cgroups/mem`, real tasks. A memory hog is OOM-killed by the kernel
// and reported as Mesos does (TASK_FAILED, SOURCE_AGENT, REASON_CONTAINER_LIMITATION_MEMORY);
// the CFS quota from `cpus` observably limits a busy loop, measured by the kernel's own
// accounting (cpu usage against the CFS periods elapsed, not wall time); every container cgroup
// is removed when the container ends.
//
// The agent picks the cgroup version itself (v1 where the controllers are on v1 hierarchies,
// else cgroup2); there is no flag to force one. The suite runs on the version the agent picks
// and the other version's test is skipped with the reason printed.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { detectCgroups } from "../../../src/agent/containerizer/cgroups-detect.ts";
import { eventually } from "../../support/eventually.ts";
import { cgroupRootDirs } from "../containerizer/helpers.ts";
import { type Cluster, processesWith, startCluster, terminal } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

const probeRoot = `tessera-it-cgprobe-${process.pid}`;
const support = detectCgroups(probeRoot);
const version = support.cpu.ok && support.mem.ok ? support.cpu.version : null;
const unavailable =
  version === null
    ? `cgroups unavailable here: cpu: ${support.cpu.detail}; mem: ${support.mem.detail}`
    : null;

/** The container's cgroup directory that holds `file`, under the cluster's cgroups root. */
function containerCgroupWith(root: string, file: string): string | undefined {
  for (const dir of cgroupRootDirs(root)) {
    let children: string[];
    try {
      children = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => join(dir, e.name));
    } catch {
      continue;
    }
    for (const child of children) {
      try {
        readFileSync(join(child, file));
        return child;
      } catch {}
    }
  }
  return undefined;
}

function keyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key !== undefined && value !== undefined) out.set(key, Number(value));
  }
  return out;
}

interface CpuSample {
  /** CPU time used by the cgroup, ns. */
  usageNs: number;
  /** CFS periods elapsed while the cgroup was runnable, and how many were throttled. */
  periods: number;
  throttled: number;
}

/** The kernel's accounting of a container's cpu: v1 cpuacct.usage + cpu.stat, v2 cpu.stat. */
function cpuSample(root: string): { sample: CpuSample; quotaUs: number; periodUs: number } {
  if (version === 1) {
    const cpuDir = containerCgroupWith(root, "cpu.cfs_quota_us");
    const acctDir = containerCgroupWith(root, "cpuacct.usage");
    assert.ok(cpuDir !== undefined && acctDir !== undefined, "the container has cpu cgroups");
    const stat = keyValues(readFileSync(join(cpuDir, "cpu.stat"), "utf8"));
    return {
      sample: {
        usageNs: Number(readFileSync(join(acctDir, "cpuacct.usage"), "utf8")),
        periods: stat.get("nr_periods") ?? 0,
        throttled: stat.get("nr_throttled") ?? 0,
      },
      quotaUs: Number(readFileSync(join(cpuDir, "cpu.cfs_quota_us"), "utf8")),
      periodUs: Number(readFileSync(join(cpuDir, "cpu.cfs_period_us"), "utf8")),
    };
  }
  const dir = containerCgroupWith(root, "cpu.max");
  assert.ok(dir !== undefined, "the container has a cgroup with cpu.max");
  const stat = keyValues(readFileSync(join(dir, "cpu.stat"), "utf8"));
  const [quota = "max", period = "100000"] = readFileSync(join(dir, "cpu.max"), "utf8")
    .trim()
    .split(" ");
  return {
    sample: {
      usageNs: (stat.get("usage_usec") ?? 0) * 1000,
      periods: stat.get("nr_periods") ?? 0,
      throttled: stat.get("nr_throttled") ?? 0,
    },
    quotaUs: quota === "max" ? -1 : Number(quota),
    periodUs: Number(period),
  };
}

describe(`cgroups isolation on cgroups v${version ?? "?"} with a real master and agent`, () => {
  let cluster: Cluster | undefined;

  before(async () => {
    if (unavailable !== null) return;
    cluster = await startCluster("cg", { isolation: "cgroups/cpu,cgroups/mem" });
  });

  after(async () => {
    await cluster?.stop();
    if (cluster !== undefined)
      assert.deepEqual(cgroupRootDirs(cluster.cgroupsRoot), [], "the cgroups root is removed");
  });

  it("a memory hog with mem 32 is OOM-killed and reported TASK_FAILED, SOURCE_AGENT, REASON_CONTAINER_LIMITATION_MEMORY", async (t) => {
    if (cluster === undefined) return t.skip(unavailable ?? "");
    const marker = `tessera-memhog-${process.pid}`;
    // Doubles a shell string until the kernel's OOM killer ends it (no python/node needed).
    await cluster.launch([
      commandTask("memhog", `x=a; while true; do x=$x$x; done # ${marker}`, {
        resources: [
          { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
          { name: "mem", type: "SCALAR", scalar: { value: 32 } },
        ],
      }),
    ]);
    const failed = await cluster.framework.state("memhog", "TASK_FAILED", 30_000);
    assert.equal(failed.status.reason, "REASON_CONTAINER_LIMITATION_MEMORY");
    assert.equal(failed.status.source, "SOURCE_AGENT");
    assert.match(failed.status.message ?? "", /Memory limit exceeded/);
    // The container's limit includes the command executor's 32 MB; the task's own is named.
    assert.match(
      failed.status.message ?? "",
      /Requested: 64MB .*\(the task asked for 32MB; the limit adds 32MB for the command executor\)$/,
    );
    assert.deepEqual(processesWith(marker), [], "no process of the task is left");
    await eventually(
      "the container's cgroups to be removed",
      () => cluster?.leftoverCgroups().length === 0,
    );
  });

  it("a busy loop with cpus 0.2 uses at most its CFS quota per period, measured by the cgroup's own accounting", async (t) => {
    if (cluster === undefined) return t.skip(unavailable ?? "");
    const c = cluster;
    const marker = `tessera-busy-${process.pid}`;
    const agentId = await c.launch([
      commandTask("busy", `while :; do :; done # ${marker}`, {
        resources: [
          { name: "cpus", type: "SCALAR", scalar: { value: 0.2 } },
          { name: "mem", type: "SCALAR", scalar: { value: 32 } },
        ],
      }),
    ]);
    try {
      await c.framework.state("busy", "TASK_RUNNING");
      const first = cpuSample(c.cgroupsRoot);
      // The container's quota is the task's cpus plus the command executor's 0.1 (§8.1).
      assert.equal(first.periodUs, 100_000);
      assert.equal(first.quotaUs, Math.round((0.2 + 0.1) * first.periodUs));
      // Let at least 20 CFS periods (2 s of the kernel's scheduling clock) go by.
      const last = await eventually(
        "20 CFS periods to elapse",
        () => {
          const s = cpuSample(c.cgroupsRoot);
          return s.sample.periods - first.sample.periods >= 20 ? s : undefined;
        },
        { timeoutMs: 30_000 },
      );
      const periods = last.sample.periods - first.sample.periods;
      const throttled = last.sample.throttled - first.sample.throttled;
      const usedNs = last.sample.usageNs - first.sample.usageNs;
      const allowedNs = periods * first.quotaUs * 1000;
      const ratio = usedNs / allowedNs;
      t.diagnostic(
        `used ${(usedNs / 1e6).toFixed(0)} ms of cpu over ${periods} periods (${throttled} throttled); quota allows ${(allowedNs / 1e6).toFixed(0)} ms (ratio ${ratio.toFixed(2)})`,
      );
      // An unthrottled busy loop would use a full period per period (ratio 1/0.3 ≈ 3.3).
      assert.ok(ratio <= 1.25, `usage ratio ${ratio} exceeds the quota`);
      assert.ok(usedNs > 0, "the loop ran");
      // When the loop got its whole quota it must have been throttled to stay within it; on a
      // machine too busy to give it even that, the quota was not what held it back.
      if (ratio >= 0.8) assert.ok(throttled > 0, "the busy loop was throttled");
    } finally {
      await c.framework.kill(agentId, "busy");
      await terminal(c.framework, "busy");
    }
    assert.deepEqual(processesWith(marker), []);
    await eventually(
      "the container's cgroups to be removed",
      () => c.leftoverCgroups().length === 0,
    );
  });

  it("every cgroup of a task is removed when its container ends", async (t) => {
    if (cluster === undefined) return t.skip(unavailable ?? "");
    const c = cluster;
    // The task waits for a file the test creates, so its cgroups are seen while it runs.
    await c.launch([commandTask("cg-short", "while [ ! -e go ]; do sleep 0.02; done; echo done")]);
    await c.framework.state("cg-short", "TASK_RUNNING");
    assert.ok(c.leftoverCgroups().length > 0, "the running task has cgroups");
    const sandbox = c.sandbox("cg-short");
    assert.ok(sandbox !== undefined);
    writeFileSync(join(sandbox, "go"), "");
    await c.framework.state("cg-short", "TASK_FINISHED");
    await eventually(
      "the container's cgroups to be removed",
      () => c.leftoverCgroups().length === 0,
    );
  });
});

describe("cgroups isolation on the other cgroup version", () => {
  it(`the agent on cgroups v${version === 2 ? 1 : 2} is covered where the machine offers it`, (t) => {
    const other = version === 2 ? support.detection.v1.cpu : support.detection.v2.cpu;
    const otherMem = version === 2 ? support.detection.v1.memory : support.detection.v2.memory;
    const reason =
      version === null
        ? (unavailable ?? "")
        : other.ok && otherMem.ok
          ? `cgroups v${version === 2 ? 1 : 2} is usable here too, but the agent prefers v${version} and has no flag to choose`
          : `the agent cannot use cgroups v${version === 2 ? 1 : 2} here: ${other.ok ? "" : other.reason}${otherMem.ok ? "" : `; ${otherMem.reason}`}`;
    t.skip(reason);
  });
});
