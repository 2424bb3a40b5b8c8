// The README's command reference, generated from the CLI's own commander definitions so that
// it cannot drift from `--help`: every command and subcommand with its usage, description and
// options. `tessera master` and `tessera agent` take Mesos's long flag lists; the reference
// points to their `--help` instead of repeating them.
import type { Command, Option } from "commander";

export const REFERENCE_START = "<!-- cli-reference:start -->";
export const REFERENCE_END = "<!-- cli-reference:end -->";
/** Commands whose options are Mesos's flag tables, summarised rather than listed. */
const FLAG_TABLE_COMMANDS = new Set(["master", "agent"]);
export const REGENERATE_COMMAND = "npx tsx scripts/cli-reference.ts --write";

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function optionCells(option: Option): [string, string] {
  const shown =
    option.defaultValueDescription ??
    (option.defaultValue === undefined ? undefined : JSON.stringify(option.defaultValue));
  const description =
    shown === undefined ? option.description : `${option.description} (default: ${shown})`;
  return [`\`${escapeCell(option.flags)}\``, escapeCell(description)];
}

/** A markdown table with its columns padded, as the repository's formatter (Biome) lays them
 *  out, so that `npm run lint` and the reference test agree on the README. */
function table(header: [string, string], rows: [string, string][]): string[] {
  const widths = [0, 1].map((c) =>
    Math.max(3, ...[header, ...rows].map((row) => (row[c] ?? "").length)),
  ) as [number, number];
  const line = (row: [string, string]) =>
    `| ${row[0].padEnd(widths[0])} | ${row[1].padEnd(widths[1])} |`;
  return [
    line(header),
    `| ${"-".repeat(widths[0])} | ${"-".repeat(widths[1])} |`,
    ...rows.map(line),
  ];
}

function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

function section(command: Command, out: string[]): void {
  const aliases = command.aliases();
  const usage = `${fullName(command)} ${command.usage()}`.trim();
  out.push(`### \`${usage}\``, "");
  out.push(
    command.description() + (aliases.length > 0 ? ` (alias: \`${aliases.join("`, `")}\`)` : ""),
    "",
  );
  const options = command.options.filter((o) => !(o as Option & { hidden?: boolean }).hidden);
  if (FLAG_TABLE_COMMANDS.has(command.name())) {
    out.push(`Takes Mesos-style flags; \`${fullName(command)} --help\` lists them.`, "");
  } else if (options.length > 0) {
    out.push(...table(["Option", "Description"], options.map(optionCells)), "");
  }
  for (const sub of command.commands) {
    if (sub.name() !== "help") section(sub, out);
  }
}

/** The reference as markdown (without the markers). */
export function renderReference(program: Command): string {
  const out: string[] = [
    `Generated from the CLI's definitions by \`${REGENERATE_COMMAND}\`; every command also takes \`--help\`.`,
    "",
  ];
  for (const command of program.commands) {
    if (command.name() !== "help") section(command, out);
  }
  return out.join("\n").trimEnd();
}

/** The README with its reference section replaced; undefined when the markers are missing. */
export function withReference(readme: string, reference: string): string | undefined {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return `${readme.slice(0, start + REFERENCE_START.length)}\n${reference}\n${readme.slice(end)}`;
}
