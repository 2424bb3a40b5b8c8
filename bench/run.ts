// `npm run bench [-- NAME ...]`: runs every bench/*.bench.ts suite (or those whose name
// contains one of the NAMEs; a NAME that is a whole suite name picks just that one), prints a table per suite and writes bench/results/<suite>.json.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchRow, BenchSuite } from "./harness.ts";

const benchDir = new URL(".", import.meta.url).pathname;
const resultsDir = join(benchDir, "results");

function formatTable(rows: BenchRow[]): string {
  const contextKeys = [...new Set(rows.flatMap((r) => Object.keys(r))).values()].filter(
    (k) => k !== "name" && k !== "value" && k !== "unit",
  );
  const header = ["name", "value", "unit", ...contextKeys];
  const lines = rows.map((r) => header.map((k) => (r[k] === undefined ? "" : String(r[k]))));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}

const files = readdirSync(benchDir)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort();
const filters = process.argv.slice(2).filter((a) => a !== "--");
const suiteNames = files.map((f) => f.replace(/\.bench\.ts$/, ""));

/** A NAME that is a suite's whole name picks only that suite (`scale` is not `sim-scale`). */
function selects(filter: string, name: string): boolean {
  return suiteNames.includes(filter) ? name === filter : name.includes(filter);
}

mkdirSync(resultsDir, { recursive: true });
let ran = 0;
for (const file of files) {
  const mod = (await import(join(benchDir, file))) as { suite: BenchSuite };
  const suite = mod.suite;
  if (filters.length > 0 && !filters.some((f) => selects(f, suite.name))) continue;
  ran++;
  console.log(`\n== ${suite.name}: ${suite.description}`);
  const rows = await suite.run();
  console.log(formatTable(rows));
  const out = join(resultsDir, `${suite.name}.json`);
  writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`wrote ${out}`);
}
if (ran === 0) {
  console.error(`no benchmark suite matched ${filters.join(", ")}`);
  process.exit(1);
}
