// One run of a job: the ledger entry that makes "exactly once" checkable (issue #16). A run is
// one due occurrence (or a dependency firing, or a manual run); it is written to the store
// before its first task is launched, and every attempt's task id derives from the job, the due
// time and the attempt (Chronos's `ct:<due>:<attempt>:<job>` shape), so a restarted scheduler
// maps every task Mesos tells it about back to its run and never launches an attempt twice.
//
// Occurrences that do not run are ledger entries too (`skipped`, with the reason and, when one
// entry covers several missed occurrences, their count and the last one's due time).

/** `queued` waits (for offers, a retry delay, a collision); `launching` = offered, no status yet. */
export type RunState =
  | "queued"
  | "launching"
  | "running"
  | "success"
  | "failure"
  | "killed"
  | "skipped";

export const ACTIVE_RUN_STATES: ReadonlySet<RunState> = new Set(["queued", "launching", "running"]);

export type RunTrigger = "schedule" | "parents" | "manual";

/** Why an occurrence did not run. */
export type SkipReason =
  /** Later than the job's epsilon past the due time (Chronos 2.x's missed-run window). */
  | "epsilon"
  /** A run was still active and the job's collision policy is CANCEL_NEW. */
  | "cancel_new"
  | "disabled"
  /** Folded into the run already queued for the job (Chronos's one queued entry per job). */
  | "coalesced";

export interface RunRecord {
  readonly runId: string;
  readonly job: string;
  readonly dueMs: number;
  readonly trigger: RunTrigger;
  /** `?arguments=` of a manual run, appended to the command's arguments. */
  readonly arguments: readonly string[];
  readonly highPriority: boolean;
  state: RunState;
  /** The current (or last) attempt, 0-based; part of the task id. */
  attempt: number;
  /** Failed attempts so far (attempts that never reached an agent do not count). */
  failures: number;
  taskId?: string;
  agentId?: string;
  hostname?: string;
  /** Agent URL base (`http://ip:port`), for the sandbox link. */
  agentUrl?: string;
  startedMs?: number;
  endedMs?: number;
  exitCode?: number;
  /** The last status message (or the reason a run ended without a task). */
  message?: string;
  skipReason?: SkipReason;
  /** For a skip entry covering several occurrences: how many, and the last one's due time. */
  skippedCount?: number;
  lastDueMs?: number;
  /** A retry waits until then (`--failure_retry`). */
  notBeforeMs?: number;
  /** A kill was sent for the current attempt (by request or KILL_EXISTING): no retry. */
  killRequested?: boolean;
}

export function isActive(run: RunRecord): boolean {
  return ACTIVE_RUN_STATES.has(run.state);
}

/** The run id of a job's occurrence due at `dueMs`. */
export function runIdOf(job: string, dueMs: number): string {
  return `${job}@${dueMs}`;
}

/** Chronos's task id shape: `ct:<dueMillis>:<attempt>:<jobName>`. */
export function taskIdOf(job: string, dueMs: number, attempt: number): string {
  return `ct:${dueMs}:${attempt}:${job}`;
}

/** The parts of a task id this framework made; undefined for any other id. */
export function parseTaskId(
  taskId: string,
): { job: string; dueMs: number; attempt: number } | undefined {
  const m = /^ct:(\d+):(\d+):([\w.-]+)$/.exec(taskId);
  if (m === null) return undefined;
  return { dueMs: Number(m[1]), attempt: Number(m[2]), job: m[3] as string };
}

/** The command executor's "Command exited with status N" as N. */
export function exitCodeOf(message: string | undefined): number | undefined {
  const m = message === undefined ? null : /exited with status (-?\d+)/.exec(message);
  return m === null ? undefined : Number(m[1]);
}
