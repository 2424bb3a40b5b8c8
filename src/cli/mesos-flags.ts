// Mesos-style flags as commander options, for `tessera master` and `tessera agent`: every flag
// takes `--name=value`; a boolean one also stands alone (`--strict` is true) and has its
// `--no-name` form (`--no-switch_user`), as Mesos's flags do. Mesos's other names of a flag
// (`--slave_ping_timeout`) are options of their own; src/base/flag-parsing.ts maps them. Each
// also reads TESSERA_<NAME>, then MESOS_<NAME>.
import { type Command, Option } from "commander";
import { envName, flagNames, type MesosFlagSpec, mesosEnvName } from "../base/flag-parsing.ts";

export function addMesosFlags(command: Command, specs: readonly MesosFlagSpec[]): void {
  for (const spec of specs) {
    for (const name of flagNames(spec)) {
      const shown = spec.default === undefined ? "" : ` (default: ${spec.default})`;
      const about =
        name !== spec.name
          ? `Mesos's other name of --${spec.name}`
          : spec.withoutEffect !== undefined
            ? `Mesos's; accepted without effect: ${spec.withoutEffect}`
            : spec.unsupported !== undefined
              ? `Mesos's; refused unless false: ${spec.unsupported}`
              : spec.help;
      const help = `${about}${shown}; env ${envName(name)} or ${mesosEnvName(name)}`;
      if (spec.kind !== "bool") {
        command.addOption(new Option(`--${name} <value>`, help));
        continue;
      }
      command.addOption(new Option(`--${name} [bool]`, help));
      command.addOption(new Option(`--no-${name}`, `the same as --${name}=false`));
    }
  }
}

/**
 * The first of the words commander did not take (`allowUnknownOption`) as Mesos's refusal: an
 * unknown flag with the nearest known name, or a stray argument. Undefined when there is none.
 */
export function strayArgumentMessage(
  words: readonly string[],
  specs: readonly MesosFlagSpec[],
  suggest: (flag: string, known: Iterable<string>) => string,
): string | undefined {
  const first = words[0];
  if (first === undefined) return undefined;
  if (!first.startsWith("--")) return `unexpected argument '${first}' (flags are --name=value)`;
  const name = first.slice(2).split("=")[0] ?? "";
  const known = specs.flatMap(flagNames);
  const bare = name.startsWith("no-") && known.includes(name.slice(3)) ? name.slice(3) : name;
  return suggest(bare, known);
}
