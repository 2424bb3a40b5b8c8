// The containerizer's own record of the containers it started (what Mesos keeps under
// --runtime_dir): one append-only file with a line per launch and per end, headed by the boot
// id. After an agent crash it names the containers that no checkpoint knows (tasks of
// frameworks that do not checkpoint), so that recovery destroys them as Mesos destroys orphans;
// with posix isolation nothing else could find them. One file, appended to: a launch costs one
// write, not a new file (inode creation is the expensive part of a launch on some disks).
//
//   B <boot id>
//   L <container id> <pid> <launch time, ms since the epoch>
//   E <container id>

import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

export interface RuntimeEntry {
  readonly containerId: string;
  readonly pid: number;
  /** When it was launched (wall clock): a process that reused the pid started at another
   *  time. Taken from the clock, not /proc, which would cost a file read per launch. */
  readonly startedAtMs: number;
}

// How far a process's start time (from /proc) may be from the launch time the log holds and
// still be the same process: the launch's own latency plus clock adjustments.
const SAME_START_TOLERANCE_MS = 5_000;

/** Whether a process that started at `processStartMs` is the one the entry names. Pure. */
export function sameProcess(entry: RuntimeEntry, processStartMs: number): boolean {
  return Math.abs(processStartMs - entry.startedAtMs) <= SAME_START_TOLERANCE_MS;
}

/** The containers a log says are still running, if it was written in this boot. Pure. */
export function liveEntries(text: string, bootId: string | undefined): Map<string, RuntimeEntry> {
  const live = new Map<string, RuntimeEntry>();
  const lines = text.split("\n");
  const header = lines[0]?.split(" ");
  // Another boot: every process it names is gone, and its pids mean nothing now.
  if (header?.[0] !== "B" || bootId === undefined || header[1] !== bootId) return live;
  for (const line of lines.slice(1)) {
    const [kind, id, pid, at] = line.split(" ");
    if (kind === "L" && id !== undefined) {
      const entry = { containerId: id, pid: Number(pid), startedAtMs: Number(at) };
      if (Number.isInteger(entry.pid) && Number.isFinite(entry.startedAtMs)) live.set(id, entry);
    } else if (kind === "E" && id !== undefined) {
      live.delete(id);
    }
  }
  return live;
}

// The log is rewritten with only the running containers once it holds this many lines and
// mostly ended ones, so that it stays small on an agent that runs containers for months.
const COMPACT_AFTER_LINES = 10_000;

export class RuntimeLog {
  #fd: number | undefined;
  /** What this process wrote: the running containers, and the lines since the last rewrite. */
  readonly #live = new Map<string, RuntimeEntry>();
  #lines = 0;

  /** Writes that failed (a full disk): the log then misses lines, and an orphan it does not
   *  name is not found after a crash; nothing else depends on it. */
  failures = 0;

  constructor(
    readonly path: string,
    private readonly bootId: string | undefined,
    /** Told of each failed write, for the agent's log. */
    private readonly onError: (message: string) => void = () => {},
  ) {}

  /** The containers still running by the log (empty when missing, unreadable or old). */
  live(): Map<string, RuntimeEntry> {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch {
      return new Map();
    }
    return liveEntries(text, this.bootId);
  }

  /** Replaces the log with these entries (at start, once orphans are dealt with). */
  rewrite(entries: Iterable<RuntimeEntry>): void {
    this.#guard(() => this.#rewrite(entries));
  }

  #rewrite(entries: Iterable<RuntimeEntry>): void {
    this.close();
    mkdirSync(dirname(this.path), { recursive: true });
    let text = `B ${this.bootId ?? "unknown"}\n`;
    this.#live.clear();
    for (const e of entries) {
      text += launchLine(e);
      this.#live.set(e.containerId, e);
    }
    this.#lines = this.#live.size;
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, text);
    renameSync(temp, this.path);
  }

  launched(entry: RuntimeEntry): void {
    // Appended first: the first append of a log never rewritten writes its header, afresh.
    this.#guard(() => this.#append(launchLine(entry)));
    this.#live.set(entry.containerId, entry);
  }

  ended(containerId: string): void {
    this.#live.delete(containerId);
    this.#guard(() => this.#append(`E ${containerId}\n`));
    if (this.#lines > COMPACT_AFTER_LINES && this.#lines > 4 * this.#live.size) {
      this.rewrite([...this.#live.values()]);
    }
  }

  /** A write that fails (ENOSPC, EIO) is an operating error: counted and told, never thrown
   *  into a launch or a container's end. */
  #guard(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.failures++;
      this.onError(`runtime log ${this.path}: ${(error as Error).message}`);
    }
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  #append(line: string): void {
    if (this.#fd === undefined) {
      // A log never rewritten (no recovery ran, e.g. in tests) starts with this boot's header.
      if (!existsSync(this.path)) this.#rewrite([]);
      this.#fd = openSync(this.path, "a");
    }
    writeSync(this.#fd, line);
    this.#lines++;
  }
}

function launchLine(e: RuntimeEntry): string {
  return `L ${e.containerId} ${e.pid} ${e.startedAtMs}\n`;
}
