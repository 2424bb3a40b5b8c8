// Rebuilds the state the checkpoint shell would read back from a list of durable writes: an
// in-memory stand-in for readAgentState in the pure core's tests.
import type {
  CheckpointWrite,
  RecoveredAgentState,
  RecoveredExecutor,
  RecoveredFramework,
  RecoveredTask,
} from "../../../src/agent/core/types.ts";

export function replayWrites(
  writes: readonly CheckpointWrite[],
  rebooted = false,
): RecoveredAgentState | undefined {
  let agent: Extract<CheckpointWrite, { type: "agent" }> | undefined;
  const frameworks = new Map<
    string,
    {
      fw: RecoveredFramework;
      executors: Map<string, { ex: RecoveredExecutor; tasks: Map<string, RecoveredTask> }>;
    }
  >();
  for (const w of writes) {
    switch (w.type) {
      case "agent":
        agent = w;
        break;
      case "framework": {
        const known = frameworks.get(w.frameworkId);
        if (known === undefined)
          frameworks.set(w.frameworkId, {
            fw: { info: w.info, executors: [] },
            executors: new Map(),
          });
        else known.fw.info = w.info;
        break;
      }
      case "executor":
        frameworks.get(w.frameworkId)?.executors.set(w.executorId, {
          ex: { info: w.info, containerId: w.containerId, tasks: [] },
          tasks: new Map(),
        });
        break;
      case "task": {
        const ex = frameworks.get(w.frameworkId)?.executors.get(w.executorId);
        if (ex?.ex.containerId === w.containerId) {
          ex.tasks.set(w.task.task_id.value, { task: w.task, records: [] });
        }
        break;
      }
      case "status_update": {
        const ex = frameworks.get(w.at.frameworkId)?.executors.get(w.at.executorId);
        if (ex?.ex.containerId === w.at.containerId)
          ex.tasks.get(w.at.taskId)?.records.push(w.record);
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
