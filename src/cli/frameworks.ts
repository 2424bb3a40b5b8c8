// `tessera frameworks`: the registered frameworks (schedulers) with their roles, task counts
// and allocated resources; --all adds the completed (torn down) ones.
import type { Command } from "commander";
import {
  CPUS_MEM_COLUMNS,
  type CpusMem,
  clusterState,
  cpusMem,
  type WireFramework,
} from "./cluster-views.ts";
import { listing, operatorCommand } from "./command-kit.ts";
import type { Column } from "./output.ts";

export interface FrameworkRow extends CpusMem {
  id: string;
  name: string;
  user: string;
  roles: string[];
  /** active | inactive (disconnected, waiting for failover) | completed */
  state: string;
  tasks: number;
}

const COLUMNS: Column<FrameworkRow>[] = [
  { header: "ID", value: (r) => r.id },
  { header: "NAME", value: (r) => r.name },
  { header: "USER", value: (r) => r.user },
  { header: "ROLES", value: (r) => r.roles.join(",") },
  { header: "STATE", value: (r) => r.state },
  { header: "TASKS", value: (r) => String(r.tasks) },
  ...CPUS_MEM_COLUMNS,
];

function row(f: WireFramework, state: string, tasks: number): FrameworkRow {
  const info = f.framework_info;
  return {
    id: info.id?.value ?? "",
    name: info.name,
    user: info.user,
    roles: info.roles !== undefined && info.roles.length > 0 ? info.roles : [info.role ?? "*"],
    state,
    tasks,
    ...cpusMem(f.allocated_resources),
  };
}

export function frameworksCommand(): Command {
  return listing(
    operatorCommand("frameworks", "list the frameworks (schedulers) and their tasks").option(
      "-a, --all",
      "include completed (torn down) frameworks",
    ),
    COLUMNS,
    async (master, opts: { all?: boolean }) => {
      const state = await clusterState(master);
      const live = new Map<string, number>();
      for (const t of [...state.tasks, ...state.unreachableTasks]) {
        live.set(t.framework_id.value, (live.get(t.framework_id.value) ?? 0) + 1);
      }
      return [
        ...state.frameworks.map((f) =>
          row(
            f,
            f.active === false ? "inactive" : "active",
            live.get(f.framework_info.id?.value ?? "") ?? 0,
          ),
        ),
        ...(opts.all ? state.completedFrameworks.map((f) => row(f, "completed", 0)) : []),
      ];
    },
  );
}
