// Finished tasks kept across a restart of the master (`tessera dev` asks it, issue 17). Mesos
// keeps completed frameworks and tasks in memory only, so a restarted master has forgotten
// them; here the shell may save this history when the master stops and hand it back at the
// next recovery. Torn-down frameworks come back as completed frameworks (a re-subscription with
// their id stays refused, as before the restart); the finished tasks of a framework that was
// still registered wait until that framework subscribes again (or an agent reports it) and then
// join its completed tasks, so history never creates, activates or removes a framework.

import { Resources } from "../../resources/index.ts";
import { resourcesFromWire, resourcesToWire } from "../../resources/wire-format.ts";
import { newFrameworkRecord } from "./frameworks.ts";
import type { FrameworkRecord, MasterState, TaskRecord } from "./state.ts";
import type { FrameworkInfo, TaskInfo, TaskState, TaskStatus } from "./wire-types.ts";

/** The file's shape; `version` changes when the shape does (an unknown one is ignored). */
export const TASK_HISTORY_VERSION = 1;

export interface HistoryTask {
  agentId: string;
  executorId?: string;
  info: TaskInfo;
  role: string;
  state: TaskState;
  statuses: TaskStatus[];
}

export interface HistoryFramework {
  info: FrameworkInfo;
  /** Torn down (a completed framework) rather than registered when the master stopped. */
  removed: boolean;
  registeredTimeMs: number;
  unregisteredTimeMs?: number;
  tasks: HistoryTask[];
}

export interface TaskHistory {
  version: number;
  frameworks: HistoryFramework[];
}

function historyTask(t: TaskRecord): HistoryTask {
  return {
    agentId: t.agentId,
    ...(t.executorId === undefined ? {} : { executorId: t.executorId }),
    info: { ...t.info, resources: resourcesToWire(t.resources) },
    role: t.role,
    state: t.state,
    statuses: t.statuses,
  };
}

/** What a stopping master saves: completed frameworks and every framework's finished tasks. */
export function taskHistoryOf(s: MasterState): TaskHistory {
  const frameworks: HistoryFramework[] = [];
  const add = (f: FrameworkRecord, removed: boolean, tasks: readonly TaskRecord[]) => {
    if (!removed && tasks.length === 0) return;
    frameworks.push({
      info: f.info,
      removed,
      registeredTimeMs: f.registeredTimeMs,
      ...(f.unregisteredTimeMs === undefined ? {} : { unregisteredTimeMs: f.unregisteredTimeMs }),
      tasks: tasks.map(historyTask),
    });
  };
  for (const f of s.completedFrameworks) add(f, true, f.completedTasks);
  for (const f of s.frameworks.values()) add(f, false, f.completedTasks);
  // Restored tasks of frameworks that did not come back yet stay in the history.
  for (const [id, { info, tasks }] of s.restoredTasks) {
    add(newFrameworkRecord(id, info, "disconnected", 0), false, tasks);
  }
  return { version: TASK_HISTORY_VERSION, frameworks };
}

function taskRecord(frameworkId: string, t: HistoryTask): TaskRecord | undefined {
  const resources = resourcesFromWire(t.info.resources ?? []);
  if (typeof t.info.task_id?.value !== "string") return undefined;
  return {
    frameworkId,
    taskId: t.info.task_id.value,
    agentId: t.agentId,
    executorId: t.executorId,
    info: t.info,
    role: t.role,
    resources: resources.ok ? resources.value : Resources.empty(),
    state: t.state,
    statusUpdateState: undefined,
    statusUpdateUuid: undefined,
    statuses: t.statuses ?? [],
    released: true,
    unreachableTimeMs: undefined,
    infoBytes: 0,
  };
}

/** At recovery: puts the saved history back, each list within the master's own bounds. */
export function restoreTaskHistory(s: MasterState, history: TaskHistory): void {
  if (history.version !== TASK_HISTORY_VERSION) return;
  const taskMax = s.flags.maxCompletedTasksPerFramework;
  for (const h of history.frameworks) {
    const id = h.info.id?.value;
    if (id === undefined || s.frameworks.has(id)) continue;
    const tasks = h.tasks
      .map((t) => taskRecord(id, t))
      .filter((t) => t !== undefined)
      .slice(-taskMax);
    if (!h.removed) {
      s.restoredTasks.set(id, { info: h.info, tasks });
      continue;
    }
    if (s.completedFrameworks.some((f) => f.id === id)) continue;
    const framework = newFrameworkRecord(id, h.info, "disconnected", h.registeredTimeMs);
    framework.unregisteredTimeMs = h.unregisteredTimeMs;
    framework.completedTasks = tasks;
    s.completedFrameworks.push(framework);
  }
  const excess = s.completedFrameworks.length - s.flags.maxCompletedFrameworks;
  if (excess > 0) s.completedFrameworks.splice(0, excess);
}

/** A framework (re)appearing after the restart takes back its finished tasks, oldest first. */
export function claimRestoredTasks(s: MasterState, framework: FrameworkRecord): void {
  const restored = s.restoredTasks.get(framework.id);
  if (restored === undefined) return;
  s.restoredTasks.delete(framework.id);
  framework.completedTasks.unshift(...restored.tasks);
  const excess = framework.completedTasks.length - s.flags.maxCompletedTasksPerFramework;
  if (excess > 0) framework.completedTasks.splice(0, excess);
}
