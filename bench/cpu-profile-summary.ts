// Summary of `node --cpu-prof` profiles for the performance notes (issue 21 asks for where
// the time went before and after): `npx tsx bench/cpu-profile-summary.ts DIR [ROOT] [TOP]`
// reads every .cpuprofile in DIR and prints the self time of each function, and of each
// source line, counted only in samples taken under a function named ROOT (default: every
// sample), the TOP (default 30) largest first.
//
// Line numbers are those of the code V8 ran: profile a bundle for readable ones (tsx's
// in-memory transpilation reports line 1 everywhere), e.g.
//   npx esbuild ENTRY.ts --bundle --platform=node --format=esm --outfile=/tmp/b.mjs
//   ALLOCATOR_BENCH_ONLY=10000x1000 node --cpu-prof --cpu-prof-dir=/tmp/prof /tmp/b.mjs
// where ENTRY.ts imports `suite` from bench/allocator.bench.ts and calls `suite.run()`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
  readonly positionTicks?: readonly { readonly line: number; readonly ticks: number }[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [dir, root, topArg] = process.argv.slice(2);
if (dir === undefined) {
  console.error("usage: tsx bench/cpu-profile-summary.ts DIR [ROOT] [TOP]");
  process.exit(2);
}
const top = Number(topArg ?? 30);
const byFunction = new Map<string, number>();
const byLine = new Map<string, number>();
let totalUs = 0;

const fileOf = (url: string) => url.split("/").pop() ?? url;

for (const name of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
  const profile = JSON.parse(readFileSync(join(dir, name), "utf8")) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const under = (id: number): boolean => {
    if (root === undefined) return true;
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      if (nodes.get(x)!.callFrame.functionName === root) return true;
    }
    return false;
  };
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  for (const [id, us] of selfUs) {
    if (!under(id)) continue;
    const node = nodes.get(id)!;
    const { functionName, url } = node.callFrame;
    const key = `${functionName || "(anonymous)"} ${fileOf(url)}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    totalUs += us;
    // Ticks per line are counts, not times: spread the node's self time over them.
    const ticks = node.positionTicks ?? [];
    const count = ticks.reduce((sum, t) => sum + t.ticks, 0);
    for (const t of ticks) {
      const line = `${fileOf(url)}:${t.line} ${functionName || "(anonymous)"}`;
      byLine.set(line, (byLine.get(line) ?? 0) + (us * t.ticks) / count);
    }
  }
}

function print(title: string, table: Map<string, number>): void {
  console.log(title);
  for (const [key, us] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = totalUs === 0 ? 0 : (100 * us) / totalUs;
    console.log(
      `${(us / 1000).toFixed(1).padStart(9)} ms ${share.toFixed(1).padStart(5)}%  ${key}`,
    );
  }
}

console.log(
  `${(totalUs / 1000).toFixed(0)} ms sampled${root === undefined ? "" : ` under ${root}`}`,
);
print("self time by function:", byFunction);
print("self time by line:", byLine);
