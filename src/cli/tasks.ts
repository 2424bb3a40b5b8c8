// `tessera tasks` (alias `ps`): the cluster's tasks from the master's GET_STATE, live ones by
// default, finished ones too with --all (the master keeps a bounded history of them, reference
// §5.9 --max_completed_tasks_per_framework).
import type { Command } from "commander";
import {
  agentAddress,
  type ClusterState,
  clusterState,
  frameworkNames,
  scalarSum,
  type WireTask,
} from "./cluster-views.ts";
import {
  connect,
  type JsonOptions,
  jsonOption,
  type MasterOptions,
  operatorCommand,
  runAction,
} from "./command-kit.ts";
import { type Column, formatScalar, printJson, printTable } from "./output.ts";

export interface TaskRow {
  id: string;
  name: string;
  state: string;
  framework: string;
  framework_id: string;
  agent: string;
  agent_id: string;
  cpus: number;
  mem_mb: number;
  disk_mb: number;
}

const COLUMNS: Column<TaskRow>[] = [
  { header: "ID", value: (r) => r.id },
  { header: "NAME", value: (r) => r.name },
  { header: "STATE", value: (r) => r.state },
  { header: "CPUS", value: (r) => formatScalar(r.cpus) },
  { header: "MEM", value: (r) => formatScalar(r.mem_mb) },
  { header: "AGENT", value: (r) => r.agent },
  { header: "FRAMEWORK", value: (r) => r.framework },
];

export function taskRows(state: ClusterState, all: boolean): TaskRow[] {
  const names = frameworkNames(state);
  const addresses = new Map(state.agents.map((a) => [a.agent_info.id?.value, agentAddress(a)]));
  const tasks: WireTask[] = [
    ...state.tasks,
    ...state.unreachableTasks,
    ...(all ? state.completedTasks : []),
  ];
  return tasks.map((t) => {
    const agentId = t.agent_id?.value ?? "";
    return {
      id: t.task_id.value,
      name: t.name,
      state: t.state,
      framework: names.get(t.framework_id.value) ?? t.framework_id.value,
      framework_id: t.framework_id.value,
      agent: addresses.get(agentId) ?? agentId,
      agent_id: agentId,
      cpus: scalarSum(t.resources, "cpus"),
      mem_mb: scalarSum(t.resources, "mem"),
      disk_mb: scalarSum(t.resources, "disk"),
    };
  });
}

export function tasksCommand(): Command {
  return operatorCommand("tasks", "list the cluster's tasks (running ones; --all adds finished)")
    .alias("ps")
    .option("-a, --all", "include finished tasks (FINISHED, FAILED, KILLED, ...)")
    .addOption(jsonOption())
    .action(
      runAction(async (opts: MasterOptions & JsonOptions & { all?: boolean }) => {
        const rows = taskRows(await clusterState(await connect(opts)), opts.all === true);
        if (opts.json) printJson(rows);
        else printTable(COLUMNS, rows);
      }),
    );
}
