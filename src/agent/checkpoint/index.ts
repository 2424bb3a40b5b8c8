// The agent's durable checkpoint: atomic files, append-only update records, recovery read-back.
export {
  applyCheckpointWrite,
  applyCheckpointWrites,
  currentBootId,
  readAgentState,
} from "./agent-state-store.ts";
export {
  appendRecord,
  applyDurably,
  type DurableOp,
  decodeRecords,
  encodeRecord,
  readRecords,
  symlinkAtomic,
  writeFileAtomic,
} from "./durable-files.ts";
