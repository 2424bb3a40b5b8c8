// `npx tsx bench/readme-table.ts`: regenerates the README's benchmark table from
// bench/results/*.json (written by `npm run bench`). Only rows with a target are listed (the
// figures the project promises), one line each with the measured value, the target and
// whether it was met, plus the row's CPU time, load average and heap where it has them. The
// table sits between two marker comments in README.md; everything else is left as it is.
// Suites with no results file here keep the rows the table already had for them (so a run of
// one suite does not drop the others' last figures).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchRow } from "./harness.ts";

const START = "<!-- bench-table:start -->";
const END = "<!-- bench-table:end -->";

const benchDir = new URL(".", import.meta.url).pathname;
const resultsDir = join(benchDir, "results");
const readme = join(benchDir, "..", "README.md");

function cell(row: BenchRow, key: string): string {
  const v = row[key];
  return v === undefined ? "" : String(v);
}

/**
 * The table's lines (header included) for every row with a target, suite by suite; columns
 * padded to one width, as the formatter (biome) writes Markdown tables.
 */
export function tableLines(
  results: ReadonlyMap<string, readonly BenchRow[]>,
  kept: readonly string[][] = [],
): string[] {
  const header = ["suite", "benchmark", "value", "target", "met", "CPU ms", "load", "heap MB"];
  const body: string[][] = kept.filter((cells) => !results.has(cells[0] ?? ""));
  for (const [suite, rows] of results) {
    for (const row of rows) {
      if (row.target === undefined) continue;
      const value = `${row.value} ${row.unit}`;
      const cells = [
        suite,
        row.name,
        value,
        `${cell(row, "target")} ${row.unit}`,
        cell(row, "met"),
      ];
      cells.push(cell(row, "cpuMs"), cell(row, "load"), cell(row, "heapMb"));
      body.push(cells);
    }
  }
  if (body.length === 0) return [];
  const widths = header.map((h, i) => Math.max(h.length, 3, ...body.map((c) => c[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)];
}

/** The body rows of a table tableLines wrote, as cells (header and rule left out). */
export function previousRows(table: string): string[][] {
  return table
    .split("\n")
    .filter((line) => line.startsWith("| "))
    .map((line) =>
      line
        .slice(2, -2)
        .split(" | ")
        .map((c) => c.trim()),
    )
    .filter((cells, i) => i > 1 && cells.length === 8);
}

function readResults(): Map<string, BenchRow[]> {
  const out = new Map<string, BenchRow[]>();
  let files: string[] = [];
  try {
    files = readdirSync(resultsDir).filter((f) => f.endsWith(".json"));
  } catch {
    // No results yet: the table says so.
  }
  for (const file of files.sort()) {
    const rows = JSON.parse(readFileSync(join(resultsDir, file), "utf8")) as BenchRow[];
    out.set(file.replace(/\.json$/, ""), rows);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = readFileSync(readme, "utf8");
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) {
    console.error(`README.md has no ${START} ... ${END} section`);
    process.exit(1);
  }
  const lines = tableLines(readResults(), previousRows(text.slice(from, to)));
  const body = lines.length > 0 ? lines.join("\n") : "(no results with a target yet)";
  const next = `${text.slice(0, from + START.length)}\n${body}\n${text.slice(to)}`;
  writeFileSync(readme, next);
  console.log(`README.md: ${Math.max(0, lines.length - 2)} benchmark rows`);
}
