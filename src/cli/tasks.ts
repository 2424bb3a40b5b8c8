// `tessera tasks` (alias `ps`): the cluster's tasks from the master's GET_STATE, live ones by
// default, finished ones too with --all (the master keeps a bounded history of them, reference
// §5.9 --max_completed_tasks_per_framework).
import type { Command } from "commander";
import { isTerminalState, type TaskState } from "../wire/status.ts";
import {
  agentAddress,
  type ClusterState,
  CPUS_MEM_COLUMNS,
  type CpusMem,
  clusterState,
  cpusMem,
  frameworkNames,
  scalarSum,
  type WireTask,
} from "./cluster-views.ts";
import { listing, operatorCommand } from "./command-kit.ts";
import type { Column } from "./output.ts";

export interface TaskRow extends CpusMem {
  id: string;
  name: string;
  state: string;
  framework: string;
  framework_id: string;
  agent: string;
  agent_id: string;
  disk_mb: number;
}

export function taskRows(state: ClusterState, all: boolean): TaskRow[] {
  const names = frameworkNames(state);
  const addresses = new Map(state.agents.map((a) => [a.agent_info.id?.value, agentAddress(a)]));
  // The master's live list also holds terminal tasks whose last update is not yet
  // acknowledged (as Mesos's does): they are finished, so only --all shows them.
  const tasks: WireTask[] = [
    ...(all ? state.tasks : state.tasks.filter((t) => !isTerminalState(t.state as TaskState))),
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
      ...cpusMem(t.resources),
      disk_mb: scalarSum(t.resources, "disk"),
    };
  });
}

const COLUMNS: Column<TaskRow>[] = [
  { header: "ID", value: (r) => r.id },
  { header: "NAME", value: (r) => r.name },
  { header: "STATE", value: (r) => r.state },
  ...CPUS_MEM_COLUMNS,
  { header: "AGENT", value: (r) => r.agent },
  { header: "FRAMEWORK", value: (r) => r.framework },
];

export function tasksCommand(): Command {
  return listing(
    operatorCommand("tasks", "list the cluster's tasks (running ones; --all adds finished)")
      .alias("ps")
      .option("-a, --all", "include finished tasks (FINISHED, FAILED, KILLED, ...)"),
    COLUMNS,
    async (master, opts: { all?: boolean }) =>
      taskRows(await clusterState(master), opts.all === true),
  );
}
