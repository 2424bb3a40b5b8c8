// CPU-time probe of the allocator's hot paths, for A/B runs on a loaded machine
// (bench/allocator-ab.ts --cpu): wall-clock timings there mostly measure the other
// processes; process CPU time (user + system) does not count the time this one waits for a
// core. `npx tsx bench/allocator-cpu-probe.ts DIR ...` imports the allocator of every source
// tree DIR into this one process and interleaves them round by round, so that every tree
// meets the same machine state; it prints one JSON array of rows, each row's name prefixed
// with its tree's index: DeclineOffers 10000x1000 per round, allocate() and the recovery of
// every offer timed apart (recovered without a filter, and declined for good as in the
// benchmark), and the first LargeAndSmallQuota cycle with each sorter type.
import { resolve } from "node:path";
import type { Allocator as AllocatorType, Quota } from "../src/allocator/index.ts";
import type * as ResourcesModule from "../src/resources/index.ts";
import type { BenchRow } from "./harness.ts";

interface Tree {
  readonly Allocator: typeof AllocatorType;
  readonly resources: typeof ResourcesModule;
}

const trees: Tree[] = [];
for (const arg of process.argv.slice(2)) {
  const dir = resolve(arg);
  const { Allocator } = (await import(`${dir}/src/allocator/index.ts`)) as Tree;
  const resources = (await import(`${dir}/src/resources/index.ts`)) as typeof ResourcesModule;
  trees.push({ Allocator, resources });
}

function parse(tree: Tree, text: string) {
  const result = tree.resources.parseResourcesText(text);
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

/** A DeclineOffers cluster; `round()` times one allocate() and the recovery of its offers. */
function declineOffers(tree: Tree, agents: number, frameworks: number, refuseSeconds?: number) {
  const allocator = new tree.Allocator({ seed: 42 });
  const total = parse(tree, "cpus:24;mem:4096;disk:4096;ports:[31000-32000]");
  const used = parse(tree, "cpus:16;mem:2014;disk:1024;ports:[31000-31015]").allocate("*");
  for (let f = 0; f < frameworks; f++) allocator.addFramework(`fw-${f}`, { roles: ["*"] });
  for (let a = 0; a < agents; a++) {
    const usedBy = new Map([[`fw-${a % frameworks}`, used]]);
    allocator.addAgent(`agent-${a}`, { hostname: `host-${a}`, total }, usedBy);
  }
  let now = 0;
  return {
    round(): [allocateMs: number, recoverMs: number] {
      let start = process.cpuUsage();
      const offers = allocator.allocate(now, { full: true });
      const allocateMs = cpuMs(start);
      // Recovery without a filter keeps every agent offerable: every round allocates again.
      // With `refuseSeconds` it is the benchmark's own: each round offers every agent to the
      // next framework.
      const filter = refuseSeconds === undefined ? undefined : { refuseSeconds };
      start = process.cpuUsage();
      for (const o of offers) {
        allocator.recoverResources(o.frameworkId, o.agentId, o.resources, filter, now);
      }
      now += 1000;
      return [allocateMs, cpuMs(start)];
    },
  };
}

function largeAndSmallQuota(tree: Tree, sorter: "drf" | "random"): number {
  const allocator = new tree.Allocator({ seed: 7, sorter });
  const total = parse(tree, "cpus:2;mem:2048;disk:2048");
  const quota = (cpus: number, mem: number): Quota => {
    const q = tree.resources.ResourceQuantities.fromRecord({
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
  return cpuMs(start);
}

const ROUNDS = 9;
const QUOTA_REPS = 3;
const samples = trees.map(() => new Map<string, number[]>());
const note = (tree: number, name: string, ms: number) => {
  const list = samples[tree]!.get(name) ?? [];
  list.push(ms);
  samples[tree]!.set(name, list);
};
for (const refuse of [undefined, 2_147_483_647]) {
  const kind = refuse === undefined ? "no filters" : "declined for good";
  const clusters = trees.map((tree) => declineOffers(tree, 10_000, 1_000, refuse));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, cluster] of clusters.entries()) {
      const [allocateMs, recoverMs] = cluster.round();
      note(i, `DeclineOffers 10000x1000 (${kind}) allocate() per round, cpu`, allocateMs);
      note(i, `DeclineOffers 10000x1000 (${kind}) recover all offers per round, cpu`, recoverMs);
    }
  }
  clusters.length = 0;
}
for (let rep = 0; rep < QUOTA_REPS; rep++) {
  for (const sorter of ["drf", "random"] as const) {
    for (const [i, tree] of trees.entries()) {
      note(i, `LargeAndSmallQuota ${sorter}: first cycle, cpu`, largeAndSmallQuota(tree, sorter));
    }
  }
}
const rows: BenchRow[] = [];
for (const [i, byName] of samples.entries()) {
  for (const [name, xs] of byName)
    rows.push({ name: `[${i}] ${name}`, value: median(xs), unit: "ms" });
}
console.log(JSON.stringify(rows));
