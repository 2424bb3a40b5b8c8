// Mesos-style flags as commander options, for `tessera master` and `tessera agent`: every flag
// takes `--name=value`; a boolean one also stands alone (`--strict` is true) and has its
// `--no-name` form (`--no-switch_user`), as Mesos's flags do. Each also reads TESSERA_<NAME>.
import { type Command, Option } from "commander";
import { envName, type MesosFlagSpec } from "../base/flag-parsing.ts";

export function addMesosFlags(command: Command, specs: readonly MesosFlagSpec[]): void {
  for (const spec of specs) {
    const shown = spec.default === undefined ? "" : ` (default: ${spec.default})`;
    const help = `${spec.help}${shown}; env ${envName(spec.name)}`;
    if (spec.kind !== "bool") {
      command.addOption(new Option(`--${spec.name} <value>`, help));
      continue;
    }
    command.addOption(new Option(`--${spec.name} [bool]`, help));
    command.addOption(new Option(`--no-${spec.name}`, `the same as --${spec.name}=false`));
  }
}
