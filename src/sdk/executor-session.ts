// The pure state of a custom executor's link to its agent (reference §3): the tasks it was
// given and the updates it sent that the agent has not acknowledged yet (both go into the
// SUBSCRIBE call when it resubscribes after an agent restart), and whether to keep trying to
// reconnect: a non-checkpointing executor gives up at once, a checkpointing one keeps trying
// for the recovery timeout (Mesos docs, "executor disconnection").
import type { z } from "zod";
import { assert } from "../base/assert.ts";
import type { ExecutorCall } from "../wire/executor.ts";
import type { TaskStatus } from "../wire/status.ts";
import type { TaskInfo } from "../wire/task.ts";

/** Updates kept for resending at most; more means the agent stopped acknowledging (a bug). */
export const MAX_UNACKNOWLEDGED_UPDATES = 10_000;
/** Mesos's default `--recovery_timeout`. */
export const DEFAULT_RECOVERY_TIMEOUT_MS = 15 * 60_000;

export type ExecutorCallInput = z.input<typeof ExecutorCall>;
export type TaskStatusInput = z.input<typeof TaskStatus>;

export class ExecutorSession {
  readonly frameworkId: string;
  readonly executorId: string;
  private readonly checkpoint: boolean;
  private readonly recoveryTimeoutMs: number;
  private readonly tasks = new Map<string, TaskInfo>();
  private readonly updates = new Map<string, TaskStatusInput>();
  private disconnectedSinceMs: number | undefined;

  constructor(options: {
    frameworkId: string;
    executorId: string;
    checkpoint: boolean;
    recoveryTimeoutMs?: number | undefined;
  }) {
    this.frameworkId = options.frameworkId;
    this.executorId = options.executorId;
    this.checkpoint = options.checkpoint;
    this.recoveryTimeoutMs = options.recoveryTimeoutMs ?? DEFAULT_RECOVERY_TIMEOUT_MS;
  }

  /** The SUBSCRIBE call, carrying what the agent may have lost. */
  subscribeCall(): ExecutorCallInput {
    return {
      ...this.envelope(),
      type: "SUBSCRIBE",
      subscribe: {
        unacknowledged_tasks: [...this.tasks.values()],
        unacknowledged_updates: [...this.updates.values()].map((status) => ({ status })),
      },
    };
  }

  /** Ids every call carries. */
  envelope(): { framework_id: { value: string }; executor_id: { value: string } } {
    return { framework_id: { value: this.frameworkId }, executor_id: { value: this.executorId } };
  }

  onSubscribed(): void {
    this.disconnectedSinceMs = undefined;
  }

  onLaunch(task: TaskInfo): void {
    this.tasks.set(task.task_id.value, task);
  }

  /** Records an update to send; it stays until ACKNOWLEDGED. */
  onUpdateSent(status: TaskStatusInput & { uuid: string }): void {
    assert(this.updates.size < MAX_UNACKNOWLEDGED_UPDATES, "too many unacknowledged updates");
    this.updates.set(status.uuid, status);
  }

  /** ACKNOWLEDGED: the agent holds the update; the task is no longer only ours to remember. */
  onAcknowledged(taskId: string, uuid: string): void {
    this.updates.delete(uuid);
    this.tasks.delete(taskId);
  }

  get unacknowledgedUpdates(): readonly TaskStatusInput[] {
    return [...this.updates.values()];
  }
  get unacknowledgedTasks(): readonly TaskInfo[] {
    return [...this.tasks.values()];
  }

  /** The stream ended at `nowMs`: true to retry, false to give up (exit). */
  onDisconnected(nowMs: number): boolean {
    this.disconnectedSinceMs ??= nowMs;
    return this.shouldRetry(nowMs);
  }

  shouldRetry(nowMs: number): boolean {
    if (!this.checkpoint) return false;
    const since = this.disconnectedSinceMs ?? nowMs;
    return nowMs - since < this.recoveryTimeoutMs;
  }
}
