// `tessera roles`: the roles the master knows (with frameworks, a weight or a quota), their
// weight and the resources allocated and offered to them (GET_ROLES, reference §4.2).
import type { Command } from "commander";
import { CPUS_MEM_COLUMNS, type CpusMem, cpusMem, type WireResource } from "./cluster-views.ts";
import { listing, operatorCommand } from "./command-kit.ts";
import { type Column, formatScalar } from "./output.ts";

export interface RoleRow extends CpusMem {
  role: string;
  weight: number;
  frameworks: number;
}

const COLUMNS: Column<RoleRow>[] = [
  { header: "ROLE", value: (r) => r.role },
  { header: "WEIGHT", value: (r) => formatScalar(r.weight) },
  { header: "FRAMEWORKS", value: (r) => String(r.frameworks) },
  ...CPUS_MEM_COLUMNS,
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

function roleRows(answer: GetRolesAnswer | undefined): RoleRow[] {
  return (answer?.get_roles?.roles ?? []).map((r) => ({
    role: r.name,
    weight: r.weight ?? 1,
    frameworks: r.frameworks?.length ?? 0,
    ...cpusMem(r.resources),
  }));
}

export function rolesCommand(): Command {
  return listing(
    operatorCommand("roles", "list roles with their weight, frameworks and resources in use"),
    COLUMNS,
    async (master) =>
      roleRows((await master.call({ type: "GET_ROLES" })) as GetRolesAnswer | undefined),
  );
}
