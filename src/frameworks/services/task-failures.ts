// The last task failure of each app (Marathon's `lastTaskFailure` on /v2/apps: reference §1.7):
// the task, its state and message, where and when it ended and which app version it ran. A
// failure is an end the framework did not ask for — a task of an instance that should keep
// running ended (failed, finished, lost, errored, or killed by someone else: a health check's
// kill included, pain point §4.16) — so kills for restarts, scale-downs, drains and preemption
// never show. One record an app, kept in the framework's store with the app's records (as
// Marathon keeps it), so a restarted framework still shows it; removed with the app.
import { isTerminalState } from "../../wire/status.ts";
import type { Instance } from "./instance.ts";
import type { AppId } from "./path-id.ts";
import type { TaskStatusInput } from "./services-outputs.ts";

export interface TaskFailure {
  readonly appId: AppId;
  readonly taskId: string;
  readonly state: string;
  readonly message: string;
  readonly host: string;
  readonly slaveId: string;
  readonly version: string;
  readonly timestampMs: number;
}

/** Whether a status of the instance's current task is a failure of its app. */
export function isTaskFailure(
  i: Instance,
  update: TaskStatusInput,
  killRequested: boolean,
): boolean {
  return isTerminalState(update.state) && i.goal === "Running" && !killRequested;
}

export class TaskFailures {
  /** One record an app: the bound is the number of apps. */
  readonly #byApp = new Map<AppId, TaskFailure>();

  /** Starts from the failures an earlier run stored. */
  constructor(stored: readonly TaskFailure[] = []) {
    for (const f of stored) this.#byApp.set(f.appId, f);
  }

  /** Records the failure (the instance as it was when its task ended) and returns it to store. */
  note(i: Instance, update: TaskStatusInput, nowMs: number): TaskFailure {
    const failure: TaskFailure = {
      appId: i.appId,
      taskId: update.taskId,
      state: update.state,
      message: update.message ?? "",
      host: i.agent?.hostname ?? "",
      slaveId: i.agentId ?? update.agentId ?? "",
      version: i.version,
      timestampMs: nowMs,
    };
    this.#byApp.set(i.appId, failure);
    return failure;
  }

  of(id: AppId): TaskFailure | undefined {
    return this.#byApp.get(id);
  }

  forget(id: AppId): void {
    this.#byApp.delete(id);
  }
}

/** The record as Marathon's API shows it. */
export function taskFailureJson(f: TaskFailure): Record<string, unknown> {
  return {
    appId: f.appId,
    host: f.host,
    message: f.message,
    state: f.state,
    taskId: f.taskId,
    timestamp: new Date(f.timestampMs).toISOString(),
    version: f.version,
    slaveId: f.slaveId,
  };
}
