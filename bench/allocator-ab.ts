// A/B comparison of the allocator between source trees on one machine in one run:
// `npx tsx bench/allocator-ab.ts [--cpu] REPS DIR_A DIR_B ...` runs `bench/run.ts allocator`
// in each tree (a checkout or a `git archive` of a commit, with node_modules), alternating
// A, B, ... REPS times so that drifting machine load hits every tree alike, and prints the
// median over the repetitions of each row's value per tree. ALLOCATOR_BENCH_ONLY is passed
// through. With --cpu it runs bench/allocator-cpu-probe.ts on each tree instead (process CPU
// time of the hot paths: steadier than wall time on a machine shared with other work).
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

function probeRows(dir: string): unknown {
  const out = execFileSync("npx", ["tsx", probe, dir], { cwd: dir, encoding: "utf8" });
  return JSON.parse(out);
}

// values[dir][row name] = one value per repetition
const values = dirs.map(() => new Map<string, number[]>());
for (let rep = 0; rep < reps; rep++) {
  for (const [i, dir] of dirs.entries()) {
    const rows = (cpu ? probeRows(dir) : suiteRows(dir)) as BenchRow[];
    for (const row of rows) {
      const list = values[i]!.get(row.name) ?? [];
      list.push(Number(row.value));
      values[i]!.set(row.name, list);
    }
  }
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
