// The agent's durable checkpoint: atomic files, append-only update records, recovery read-back.
export { applyCheckpointWrite, currentBootId, readAgentState } from "./agent-state-store.ts";
export {
  appendRecord,
  decodeRecords,
  encodeRecord,
  readRecords,
  symlinkAtomic,
  writeFileAtomic,
} from "./durable-files.ts";
