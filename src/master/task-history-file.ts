// The file where a master started with `taskHistoryFile` (as `tessera dev` starts it) keeps its
// finished tasks across a restart (core/task-history.ts). Written when the master stops, read
// at its next election; a missing or unreadable file means no history, logged, never fatal.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Logger } from "pino";
import type { TaskHistory } from "./core/task-history.ts";

/** Past this size the file is not read: a history is bounded by the master's completed limits. */
const TASK_HISTORY_FILE_MAX_BYTES = 256 * 1024 * 1024;

export function readTaskHistory(path: string, logger: Logger): TaskHistory | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      logger.warn({ err: error, path }, "cannot read the task history: starting without it");
    }
    return undefined;
  }
  if (text.length > TASK_HISTORY_FILE_MAX_BYTES) {
    logger.warn({ path }, "task history file too large: starting without it");
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as TaskHistory;
    if (!Array.isArray(parsed.frameworks)) throw new Error("no 'frameworks' list");
    return parsed;
  } catch (error) {
    logger.warn({ err: error, path }, "task history file is not valid: starting without it");
    return undefined;
  }
}

/** Written beside and renamed into place, so a crash mid-write leaves the old history. */
export function writeTaskHistory(path: string, history: TaskHistory, logger: Logger): void {
  try {
    writeFileSync(`${path}.tmp`, JSON.stringify(history));
    renameSync(`${path}.tmp`, path);
  } catch (error) {
    logger.error({ err: error, path }, "cannot save the task history");
  }
}
