// Rebuilds the state the checkpoint shell would read back from a list of durable writes: the
// pure core's tests use the simulator's replay (src/sim/checkpoint-store.ts) as their
// in-memory stand-in for readAgentState.
import type { CheckpointWrite, RecoveredAgentState } from "../../../src/agent/core/types.ts";
import { replayCheckpoint } from "../../../src/sim/checkpoint-store.ts";

export function replayWrites(
  writes: readonly CheckpointWrite[],
  rebooted = false,
): RecoveredAgentState | undefined {
  return replayCheckpoint(writes, rebooted);
}
