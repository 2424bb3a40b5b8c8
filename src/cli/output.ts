// How the operator commands print: aligned tables for people (header row in capitals, two
// spaces between columns, like `docker ps`), and `--json` for scripts (one JSON document on
// stdout, the same rows with stable snake_case keys).

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
}

/** Renders rows as an aligned text table, one line per row, no trailing spaces. */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => c.value(r)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? "").length)));
  return cells
    .map((line) =>
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function printTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): void {
  process.stdout.write(`${renderTable(columns, rows)}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A scalar for a table cell: up to 3 decimals (Mesos's fixed point), no trailing zeros. */
export function formatScalar(value: number | undefined): string {
  if (value === undefined) return "-";
  return String(Math.round(value * 1000) / 1000);
}
