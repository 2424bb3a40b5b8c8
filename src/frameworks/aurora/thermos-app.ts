// The Tessera field that makes a services app launch through the Thermos-like executor
// (`thermos` on the app, written by the Aurora dialect from a job file), and the TaskInfo of one
// such instance: the executor's ExecutorInfo, the instance's ThermosTask as TaskInfo.data (its
// host ports filled in by name, its instance number, its ServerSet), and the app's resources.
import { z } from "zod";
import type { TaskInfoInput } from "../../sdk/offer-matching.ts";
import type { Resource as WireResource } from "../../wire/resource.ts";
import { thermosExecutorInfo, thermosTaskData } from "./thermos/executor-info.ts";
import { ThermosTask } from "./thermos/task-config.ts";

/** A task for instances `first..last` (canaries), in place of the app's own. */
export const ThermosInstanceRange = z.object({
  first: z.number().int().min(0),
  last: z.number().int().min(0),
  task: ThermosTask,
});

export const ThermosApp = z.object({
  /** The task every instance runs (ports and instance are filled per instance). */
  task: ThermosTask,
  instances: z.array(ThermosInstanceRange).default([]),
});
export type ThermosApp = z.output<typeof ThermosApp>;

/** The task instance `instance` runs: its range's task or the app's. */
export function thermosTaskFor(app: ThermosApp, instance: number): ThermosTask {
  const range = app.instances.find((r) => r.first <= instance && instance <= r.last);
  return range?.task ?? app.task;
}

export interface ThermosLaunch {
  readonly thermos: ThermosApp;
  readonly taskId: string;
  readonly name: string;
  readonly agentId: string;
  readonly resources: readonly WireResource[];
  /** The app's port names in order, matched with hostPorts. */
  readonly portNames: readonly (string | undefined)[];
  readonly hostPorts: readonly number[];
  /** The instance's number within its job (Aurora's shard). */
  readonly instance: number;
  readonly labels: Readonly<Record<string, string>>;
  /** The Unix user the executor (and so the processes) runs as: the job's role. */
  readonly user?: string;
}

/** What numbers instances: the fields of the services engine's Instance used. */
export interface NumberedInstance {
  readonly instanceId: string;
  readonly createdAtMs: number;
  readonly goal: string;
  readonly shard?: number | undefined;
}

/**
 * An instance's number within its job (Aurora's shard): the number it was given, else the
 * lowest one that no other instance meant to run holds (unnumbered ones taking the free numbers
 * in order of creation). The launch stores it on the instance (Instance.shard), so an update's
 * replacement takes the number of the instance it replaced and the others keep theirs. The one
 * rule that the launch and the API's task list both use.
 */
export function instanceNumberOf(all: readonly NumberedInstance[], instanceId: string): number {
  const me = all.find((i) => i.instanceId === instanceId);
  if (me?.shard !== undefined) return me.shard;
  const held = new Set<number>();
  for (const i of all)
    if (i.goal === "Running" && i.shard !== undefined && i.instanceId !== instanceId)
      held.add(i.shard);
  const unnumbered = all
    .filter((i) => i.goal === "Running" && i.shard === undefined)
    .sort((a, b) => a.createdAtMs - b.createdAtMs || a.instanceId.localeCompare(b.instanceId));
  const at = unnumbered.findIndex((i) => i.instanceId === instanceId);
  let n = -1;
  for (let k = 0; k <= (at === -1 ? unnumbered.length : at); k++) {
    n++;
    while (held.has(n)) n++;
  }
  return n;
}

/** The TaskInfo of one Thermos instance; its executor id is the task id (one task each). */
export function thermosTaskInfo(launch: ThermosLaunch): TaskInfoInput {
  const ports: Record<string, number> = {};
  launch.hostPorts.forEach((port, i) => {
    const name = launch.portNames[i];
    if (name !== undefined) ports[name] = port;
  });
  const task: ThermosTask = { ...thermosTaskFor(launch.thermos, launch.instance), ports };
  task.instance = launch.instance;
  const labels = Object.entries(launch.labels).map(([key, value]) => ({ key, value }));
  const executor = thermosExecutorInfo({ executorId: launch.taskId });
  if (launch.user !== undefined && executor.command !== undefined)
    executor.command = { ...executor.command, user: launch.user };
  return {
    task_id: { value: launch.taskId },
    name: launch.name,
    agent_id: { value: launch.agentId },
    resources: [...launch.resources],
    executor,
    data: thermosTaskData(task),
    ...(labels.length === 0 ? {} : { labels: { labels } }),
  };
}
