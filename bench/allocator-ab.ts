// A/B comparison of the allocator between source trees on one machine in one run:
// `npx tsx bench/allocator-ab.ts [--cpu] REPS DIR_A DIR_B ...` runs `bench/run.ts allocator`
// in each tree (a checkout or a `git archive` of a commit, with node_modules), alternating
// A, B, ... REPS times so that drifting machine load hits every tree alike, and prints the
// median over the repetitions of each row's value per tree. ALLOCATOR_BENCH_ONLY is passed
// through. With --cpu it runs bench/allocator-cpu-probe.ts instead, REPS processes that each
// load every tree and interleave them round by round (process CPU time of the hot paths:
// steadier than wall time on a machine shared with other work); the trees' order is rotated
// from one process to the next.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { BenchRow } from "./harness.ts";

const args = process.argv.slice(2);
const cpu = args[0] === "--cpu";
const [repsArg, ...dirArgs] = cpu ? args.slice(1) : args;
const probe = join(dirname(new URL(import.meta.url).pathname), "allocator-cpu-probe.ts");
const reps = Number(repsArg);
if (!Number.isInteger(reps) || reps < 1 || dirArgs.length < 2) {
  console.error("usage: tsx bench/allocator-ab.ts [--cpu] REPS DIR_A DIR_B [DIR ...]");
  process.exit(2);
}
const dirs = dirArgs.map((d) => resolve(d));

function suiteRows(dir: string): unknown {
  execFileSync("npx", ["tsx", "bench/run.ts", "allocator"], { cwd: dir, stdio: "ignore" });
  return JSON.parse(readFileSync(join(dir, "bench", "results", "allocator.json"), "utf8"));
}

/** One probe process over every tree, first tree `first`; rows per tree index in `dirs`. */
function probeRows(first: number): Map<number, BenchRow[]> {
  const order = dirs.map((_, k) => (first + k) % dirs.length);
  const out = execFileSync("npx", ["tsx", probe, ...order.map((i) => dirs[i]!)], {
    encoding: "utf8",
  });
  const byTree = new Map<number, BenchRow[]>();
  for (const row of JSON.parse(out) as BenchRow[]) {
    const match = /^\[(\d+)\] (.*)$/.exec(row.name)!;
    const tree = order[Number(match[1])]!;
    const list = byTree.get(tree) ?? [];
    list.push({ ...row, name: match[2]! });
    byTree.set(tree, list);
  }
  return byTree;
}

// values[dir][row name] = one value per repetition
const values = dirs.map(() => new Map<string, number[]>());
const record = (tree: number, rows: readonly BenchRow[]) => {
  for (const row of rows) {
    const list = values[tree]!.get(row.name) ?? [];
    list.push(Number(row.value));
    values[tree]!.set(row.name, list);
  }
};
for (let rep = 0; rep < reps; rep++) {
  if (cpu) for (const [tree, rows] of probeRows(rep % dirs.length)) record(tree, rows);
  else for (const [i, dir] of dirs.entries()) record(i, suiteRows(dir) as BenchRow[]);
  console.error(`repetition ${rep + 1}/${reps} done`);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const names = [...values[0]!.keys()];
const width = Math.max(...names.map((n) => n.length));
console.log(`median of ${reps} runs (ms); trees: ${dirs.map((d, i) => `[${i}] ${d}`).join("  ")}`);
for (const name of names) {
  const cells = values.map((v) => {
    const xs = v.get(name);
    return xs === undefined ? "-" : median(xs).toFixed(3);
  });
  const spread = values.map((v) => {
    const xs = v.get(name) ?? [];
    return xs.length === 0 ? "" : `${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)}`;
  });
  console.log(
    `${name.padEnd(width)}  ${cells.map((c) => c.padStart(9)).join("  ")}   (${spread.join(" | ")})`,
  );
}
