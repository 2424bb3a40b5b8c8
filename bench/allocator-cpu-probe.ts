// CPU-time probe of the allocator's hot paths in one source tree, for A/B runs on a loaded
// machine (bench/allocator-ab.ts --cpu): wall-clock timings there mostly measure the other
// processes; process CPU time (user + system) does not count the time this one waits for a
// core. `npx tsx bench/allocator-cpu-probe.ts DIR` imports DIR/src and prints one JSON array
// of rows: DeclineOffers 10000x1000 per round, allocate() and the recovery of every offer
// timed apart, and the first LargeAndSmallQuota cycle with each sorter type.
import { resolve } from "node:path";
import type { Allocator as AllocatorType, Quota } from "../src/allocator/index.ts";
import type * as ResourcesModule from "../src/resources/index.ts";
import type { BenchRow } from "./harness.ts";

const dir = resolve(process.argv[2] ?? ".");
const { Allocator } = (await import(`${dir}/src/allocator/index.ts`)) as {
  Allocator: typeof AllocatorType;
};
const { parseResourcesText, ResourceQuantities } = (await import(
  `${dir}/src/resources/index.ts`
)) as typeof ResourcesModule;

function parse(text: string) {
  const result = parseResourcesText(text);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function declineOffers(agents: number, frameworks: number, rounds: number): BenchRow[] {
  const allocator = new Allocator({ seed: 42 });
  const total = parse("cpus:24;mem:4096;disk:4096;ports:[31000-32000]");
  const used = parse("cpus:16;mem:2014;disk:1024;ports:[31000-31015]").allocate("*");
  for (let f = 0; f < frameworks; f++) allocator.addFramework(`fw-${f}`, { roles: ["*"] });
  for (let a = 0; a < agents; a++) {
    const usedBy = new Map([[`fw-${a % frameworks}`, used]]);
    allocator.addAgent(`agent-${a}`, { hostname: `host-${a}`, total }, usedBy);
  }
  const allocateMs: number[] = [];
  const recoverMs: number[] = [];
  let now = 0;
  for (let round = 0; round < rounds; round++) {
    let start = process.cpuUsage();
    const offers = allocator.allocate(now, { full: true });
    allocateMs.push(cpuMs(start));
    start = process.cpuUsage();
    for (const o of offers) {
      allocator.recoverResources(o.frameworkId, o.agentId, o.resources, undefined, now);
    }
    recoverMs.push(cpuMs(start));
    now += 1000;
  }
  const label = `DeclineOffers ${agents}x${frameworks} (no filters)`;
  return [
    { name: `${label} allocate() per round, cpu`, value: median(allocateMs), unit: "ms" },
    { name: `${label} recover all offers per round, cpu`, value: median(recoverMs), unit: "ms" },
  ];
}

function largeAndSmallQuota(sorter: "drf" | "random"): BenchRow {
  const allocator = new Allocator({ seed: 7, sorter });
  const total = parse("cpus:2;mem:2048;disk:2048");
  const quota = (cpus: number, mem: number): Quota => {
    const q = ResourceQuantities.fromRecord({
      cpus: cpus * 1000,
      mem: mem * 1000,
      disk: mem * 1000,
    });
    return { guarantees: q, limits: new Map(q) };
  };
  for (let a = 0; a < 3_000; a++) allocator.addAgent(`agent-${a}`, { hostname: `h${a}`, total });
  for (let i = 0; i < 2_500; i++) {
    allocator.updateQuota(`small-${i}`, quota(1, 1024));
    allocator.addFramework(`fw-small-${i}`, { roles: [`small-${i}`] });
  }
  for (let i = 0; i < 500; i++) {
    allocator.updateQuota(`large-${i}`, quota(4, 4096));
    allocator.addFramework(`fw-large-${i}`, { roles: [`large-${i}`] });
  }
  const start = process.cpuUsage();
  allocator.allocate(0, { full: true });
  return {
    name: `LargeAndSmallQuota ${sorter}: first cycle, cpu`,
    value: cpuMs(start),
    unit: "ms",
  };
}

// Recovery without a filter keeps every agent offerable, so every round allocates again.
const rows = [
  ...declineOffers(10_000, 1_000, 7),
  largeAndSmallQuota("drf"),
  largeAndSmallQuota("random"),
];
console.log(JSON.stringify(rows));
