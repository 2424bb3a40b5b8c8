// `tessera frameworks`: the registered frameworks (schedulers) with their roles, task counts
// and allocated resources; --all adds the completed (torn down) ones.
import type { Command } from "commander";
import { clusterState, scalarSum, type WireFramework } from "./cluster-views.ts";
import {
  connect,
  type JsonOptions,
  jsonOption,
  type MasterOptions,
  operatorCommand,
  runAction,
} from "./command-kit.ts";
import { type Column, formatScalar, printJson, printTable } from "./output.ts";

export interface FrameworkRow {
  id: string;
  name: string;
  user: string;
  roles: string[];
  /** active | inactive (disconnected, waiting for failover) | completed */
  state: string;
  tasks: number;
  cpus: number;
  mem_mb: number;
}

const COLUMNS: Column<FrameworkRow>[] = [
  { header: "ID", value: (r) => r.id },
  { header: "NAME", value: (r) => r.name },
  { header: "USER", value: (r) => r.user },
  { header: "ROLES", value: (r) => r.roles.join(",") },
  { header: "STATE", value: (r) => r.state },
  { header: "TASKS", value: (r) => String(r.tasks) },
  { header: "CPUS", value: (r) => formatScalar(r.cpus) },
  { header: "MEM", value: (r) => formatScalar(r.mem_mb) },
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
    cpus: scalarSum(f.allocated_resources, "cpus"),
    mem_mb: scalarSum(f.allocated_resources, "mem"),
  };
}

export function frameworksCommand(): Command {
  return operatorCommand("frameworks", "list the frameworks (schedulers) and their tasks")
    .option("-a, --all", "include completed (torn down) frameworks")
    .addOption(jsonOption())
    .action(
      runAction(async (opts: MasterOptions & JsonOptions & { all?: boolean }) => {
        const state = await clusterState(await connect(opts));
        const live = new Map<string, number>();
        for (const t of [...state.tasks, ...state.unreachableTasks]) {
          live.set(t.framework_id.value, (live.get(t.framework_id.value) ?? 0) + 1);
        }
        const rows = [
          ...state.frameworks.map((f) =>
            row(
              f,
              f.active === false ? "inactive" : "active",
              live.get(f.framework_info.id?.value ?? "") ?? 0,
            ),
          ),
          ...(opts.all ? state.completedFrameworks.map((f) => row(f, "completed", 0)) : []),
        ];
        if (opts.json) printJson(rows);
        else printTable(COLUMNS, rows);
      }),
    );
}
