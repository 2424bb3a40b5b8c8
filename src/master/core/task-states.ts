// Task states as the master reasons about them (reference §2.10, §5.6).
import { isTerminalState, PARTITION_AWARE_ONLY_STATES } from "../../wire/status.ts";
import type { TaskState } from "./wire-types.ts";

export function isTerminal(state: TaskState): boolean {
  return isTerminalState(state);
}

/**
 * The newer states only PARTITION_AWARE frameworks may see; everyone else gets TASK_LOST
 * (reference §2.10).
 */
export function stateFor(partitionAware: boolean, state: TaskState): TaskState {
  return !partitionAware && PARTITION_AWARE_ONLY_STATES.has(state) ? "TASK_LOST" : state;
}
