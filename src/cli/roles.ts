// `tessera roles`: the roles the master knows (with frameworks, a weight or a quota), their
// weight and the resources allocated and offered to them (GET_ROLES, reference §4.2).
import type { Command } from "commander";
import { scalarSum, type WireResource } from "./cluster-views.ts";
import {
  connect,
  type JsonOptions,
  jsonOption,
  type MasterOptions,
  operatorCommand,
  runAction,
} from "./command-kit.ts";
import { type Column, formatScalar, printJson, printTable } from "./output.ts";

export interface RoleRow {
  role: string;
  weight: number;
  frameworks: number;
  cpus: number;
  mem_mb: number;
}

const COLUMNS: Column<RoleRow>[] = [
  { header: "ROLE", value: (r) => r.role },
  { header: "WEIGHT", value: (r) => formatScalar(r.weight) },
  { header: "FRAMEWORKS", value: (r) => String(r.frameworks) },
  { header: "CPUS", value: (r) => formatScalar(r.cpus) },
  { header: "MEM", value: (r) => formatScalar(r.mem_mb) },
];

interface GetRolesAnswer {
  get_roles?: {
    roles?: {
      name: string;
      weight?: number;
      frameworks?: { value: string }[];
      resources?: WireResource[];
    }[];
  };
}

export function rolesCommand(): Command {
  return operatorCommand("roles", "list roles with their weight, frameworks and resources in use")
    .addOption(jsonOption())
    .action(
      runAction(async (opts: MasterOptions & JsonOptions) => {
        const master = await connect(opts);
        const answer = (await master.call({ type: "GET_ROLES" })) as GetRolesAnswer | undefined;
        const rows: RoleRow[] = (answer?.get_roles?.roles ?? []).map((r) => ({
          role: r.name,
          weight: r.weight ?? 1,
          frameworks: r.frameworks?.length ?? 0,
          cpus: scalarSum(r.resources, "cpus"),
          mem_mb: scalarSum(r.resources, "mem"),
        }));
        if (opts.json) printJson(rows);
        else printTable(COLUMNS, rows);
      }),
    );
}
