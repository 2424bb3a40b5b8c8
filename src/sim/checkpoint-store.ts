// Simulated agent checkpoint storage (reference §8.2): a write becomes durable after a delay;
// a crash loses every write not yet durable; a restart reads back the durable ones as the
// `RecoveredAgentState` the real checkpoint reader would produce, for the agent's `recover`.
import type {
  CheckpointWrite,
  RecoveredAgentState,
  RecoveredExecutor,
  RecoveredFramework,
  RecoveredTask,
} from "../agent/core/types.ts";
import type { ScheduledEvent, VirtualClock } from "./virtual-clock.ts";

export class SimCheckpointStore {
  /** Durable writes in the order they became durable. */
  readonly durable: CheckpointWrite[] = [];
  readonly #inFlight = new Set<ScheduledEvent>();

  constructor(readonly clock: VirtualClock) {}

  get pendingWrites(): number {
    return this.#inFlight.size;
  }

  /** Makes `write` durable after `delayMs`, then calls `onDurable` (unless a crash came first). */
  write(write: CheckpointWrite, delayMs: number, onDurable: () => void): void {
    const event = this.clock.after(delayMs, () => {
      this.#inFlight.delete(event);
      this.durable.push(write);
      onDurable();
    });
    this.#inFlight.add(event);
  }

  /** The agent process died: writes not yet durable are lost. */
  crash(): void {
    for (const event of this.#inFlight) this.clock.cancel(event);
    this.#inFlight.clear();
  }

  /** The disk was wiped (a restart without checkpoint). */
  wipe(): void {
    this.crash();
    this.durable.length = 0;
  }

  recover(rebooted = false): RecoveredAgentState | undefined {
    return replayCheckpoint(this.durable, rebooted);
  }
}

interface ExecutorDir {
  ex: RecoveredExecutor;
  tasks: Map<string, RecoveredTask>;
}

/** Rebuilds what the checkpoint reader would return from durable writes, in order. */
export function replayCheckpoint(
  writes: readonly CheckpointWrite[],
  rebooted: boolean,
): RecoveredAgentState | undefined {
  let agent: Extract<CheckpointWrite, { type: "agent" }> | undefined;
  const frameworks = new Map<
    string,
    { fw: RecoveredFramework; executors: Map<string, ExecutorDir> }
  >();
  for (const w of writes) {
    switch (w.type) {
      case "agent":
        agent = w;
        break;
      case "framework": {
        const known = frameworks.get(w.frameworkId);
        if (known === undefined) {
          frameworks.set(w.frameworkId, {
            fw: { info: w.info, executors: [] },
            executors: new Map(),
          });
        } else known.fw.info = w.info;
        break;
      }
      case "executor":
        // A new run replaces the executor's `runs/latest`.
        frameworks.get(w.frameworkId)?.executors.set(w.executorId, {
          ex: { info: w.info, containerId: w.containerId, tasks: [] },
          tasks: new Map(),
        });
        break;
      case "task": {
        const dir = frameworks.get(w.frameworkId)?.executors.get(w.executorId);
        if (dir?.ex.containerId === w.containerId) {
          dir.tasks.set(w.task.task_id.value, { task: w.task, records: [] });
        }
        break;
      }
      case "status_update": {
        const dir = frameworks.get(w.at.frameworkId)?.executors.get(w.at.executorId);
        if (dir?.ex.containerId === w.at.containerId)
          dir.tasks.get(w.at.taskId)?.records.push(w.record);
        break;
      }
      case "remove_executor":
        frameworks.get(w.frameworkId)?.executors.delete(w.executorId);
        break;
      case "remove_framework":
        frameworks.delete(w.frameworkId);
        break;
    }
  }
  if (agent === undefined) return undefined;
  return {
    agentId: agent.agentId,
    agentInfo: agent.info,
    rebooted,
    frameworks: [...frameworks.values()].map(({ fw, executors }) => ({
      info: fw.info,
      executors: [...executors.values()].map(({ ex, tasks }) => ({
        ...ex,
        tasks: [...tasks.values()],
      })),
    })),
  };
}
