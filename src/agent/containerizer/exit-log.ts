// The launcher's exit log (`<runtime_dir>/exits.log`): the native launcher appends a line when
// a container's first process starts and one when it ends (native/launcher.c has the format),
// before it tells the agent. It is where a restarted agent finds the wait status of a
// container it recovered: that process is not its child (its parent is the launcher of the
// agent's previous run, which stays to reap what it started), so without the log its end would
// be "unknown" and its task TASK_FAILED although it exited 0. Mesos's containerizer keeps a
// `termination` file per container in its runtime dir for the same reason; one file appended
// to keeps the launch path free of a file creation (the costly part of a launch on some disks).
//
//   S <container id> <pid>
//   X <container id> <exit code, -1 when signalled> <signal number, 0 when it exited>

import { readFileSync, statSync, truncateSync } from "node:fs";
import { constants as osConstants } from "node:os";

export interface LoggedExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The log is emptied once it holds this much and no container is left whose end it may
 *  hold for us (see ExitLog.compactIfIdle). */
export const EXIT_LOG_COMPACT_BYTES = 1 << 20;

/** How long a recovered container's end waits for its line: the previous launcher reaps
 *  and writes right after the process is gone; a launcher that died writes nothing. */
export const EXIT_LOG_WAIT_MS = 2_000;
const EXIT_LOG_POLL_MS = 20;

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/** The starts and ends a log's text names. Pure. */
export function parseExitLog(text: string): {
  started: Map<string, number>;
  exited: Map<string, LoggedExit>;
} {
  const started = new Map<string, number>();
  const exited = new Map<string, LoggedExit>();
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const [kind, id, a, b] = fields;
    // A fragment a full disk left (the launcher goes on on a new line) is skipped.
    if (id === undefined || a === undefined || a === "" || b === "") continue;
    if (fields.length !== (kind === "S" ? 3 : 4)) continue;
    if (kind === "S") {
      const pid = Number(a);
      if (Number.isInteger(pid) && pid > 0) started.set(id, pid);
    } else if (kind === "X" && b !== undefined) {
      const code = Number(a);
      const signal = Number(b);
      if (!Number.isInteger(code) || !Number.isInteger(signal)) continue;
      exited.set(id, {
        code: code < 0 ? null : code,
        signal: signal === 0 ? null : (SIGNAL_NAMES.get(signal) ?? "SIGKILL"),
      });
    }
  }
  return { started, exited };
}

export class ExitLog {
  /** The last parse and the file size and time it was made at. */
  #parsed: { size: number; mtimeMs: number; log: ReturnType<typeof parseExitLog> } | undefined;

  constructor(readonly path: string) {}

  // Recovery asks once per container and polls while an end is due, so the log (up to
  // EXIT_LOG_COMPACT_BYTES) is parsed again only when it has changed: it is only ever appended
  // to or truncated (also by a launcher undoing a torn line), so an unchanged size and time
  // are unchanged content.
  #read(): ReturnType<typeof parseExitLog> {
    try {
      const { size, mtimeMs } = statSync(this.path);
      if (this.#parsed?.size !== size || this.#parsed.mtimeMs !== mtimeMs) {
        this.#parsed = { size, mtimeMs, log: parseExitLog(readFileSync(this.path, "utf8")) };
      }
      return this.#parsed.log;
    } catch {
      return { started: new Map(), exited: new Map() };
    }
  }

  /** The pid the launcher started for this container, whether or not it has ended since. */
  startedPid(containerId: string): number | undefined {
    return this.#read().started.get(containerId);
  }

  /** Whether the launcher logged this container's end. */
  hasEnded(containerId: string): boolean {
    return this.#read().exited.has(containerId);
  }

  /** The container's end as its launcher logged it, waiting (bounded) for the line. */
  async exitOf(containerId: string, waitMs = EXIT_LOG_WAIT_MS): Promise<LoggedExit | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const found = this.#read().exited.get(containerId);
      if (found !== undefined || Date.now() >= deadline) return found;
      await new Promise((r) => setTimeout(r, EXIT_LOG_POLL_MS));
    }
  }

  /**
   * Empties the log once it is large, when the containerizer has no container left (none
   * running, none starting): every end it could need has then been read, and a launcher that
   * appends later writes at the new end (O_APPEND). A full disk changes nothing here.
   */
  compactIfIdle(idle: boolean): void {
    if (!idle) return;
    try {
      if (statSync(this.path).size >= EXIT_LOG_COMPACT_BYTES) truncateSync(this.path, 0);
    } catch {
      // No log yet, or it cannot be read: nothing to compact.
    }
  }
}
