// The nemesis's checkers: pure functions from what the run recorded (each task's launch and
// updates as its framework saw them, the processes found on the agents, the agents'
// checkpoints, the operator writes and what the healed master answers) to violations. Kept
// free of I/O so that each rule is unit-tested on hand-made histories (checks.test.ts).
import { isTerminalState, type TaskState } from "../../src/wire/status.ts";

export interface SeenUpdate {
  readonly state: TaskState;
  readonly uuid: string | undefined;
  readonly source: string | undefined;
  readonly reason: string | undefined;
  readonly message?: string | undefined;
}

export interface TaskHistory {
  readonly id: string;
  readonly framework: string;
  /** short: `sleep` then touch its done marker and exit 0; long: sleeps until killed. */
  readonly kind: "short" | "long";
  /** ACCEPTs sent with this task id (the harness never reuses one: must be 1). */
  launches: number;
  /** The ACCEPT was answered 202 (else the launch may or may not have reached the master). */
  acceptedByMaster: boolean;
  killRequested: boolean;
  /** Updates in arrival order, reconciliation answers included (reason says which). */
  readonly updates: SeenUpdate[];
}

export interface Observed {
  /** Task id -> agents on which a process of the task is alive. */
  readonly processes: ReadonlyMap<string, readonly string[]>;
  /** Tasks whose command ran to its end (wrote its done marker). */
  readonly done: ReadonlySet<string>;
  /** Task id -> uuids of the updates its agent checkpointed (only tasks found on an agent). */
  readonly checkpointed: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface Violation {
  readonly property: string;
  readonly task?: string;
  readonly detail: string;
}

const RECONCILIATION = "REASON_RECONCILIATION";

/**
 * An answer to explicit reconciliation: REASON_RECONCILIATION and no uuid. (The master's own
 * updates for tasks a re-registering agent no longer has carry that reason too, with a uuid:
 * those are part of the task's stream.)
 */
export function isReconcileAnswer(u: SeenUpdate): boolean {
  return u.reason === RECONCILIATION && u.uuid === undefined;
}

/** The updates of a task's stream (reconciliation answers left out). */
function streamUpdates(task: TaskHistory): SeenUpdate[] {
  return task.updates.filter((u) => !isReconcileAnswer(u));
}

/** The terminal state the framework holds for the task, if any. */
export function terminalState(task: TaskHistory): TaskState | undefined {
  return streamUpdates(task).find((u) => isTerminalState(u.state))?.state;
}

/** The last reconciliation answer, if the task was reconciled. */
export function reconciledState(task: TaskHistory): TaskState | undefined {
  for (let i = task.updates.length - 1; i >= 0; i--) {
    const u = task.updates[i];
    if (u !== undefined && isReconcileAnswer(u)) return u.state;
  }
  return undefined;
}

const RANK: Partial<Record<TaskState, number>> = {
  TASK_STAGING: 0,
  TASK_STARTING: 1,
  TASK_RUNNING: 2,
  TASK_KILLING: 3,
};

/** "STATE/source/uuid" of each update, for a violation's detail. */
export function describeUpdates(updates: readonly SeenUpdate[]): string {
  return updates
    .map(
      (u) => `${u.state}/${u.source?.replace("SOURCE_", "") ?? "-"}/${u.uuid?.slice(0, 6) ?? "-"}`,
    )
    .join(" ");
}

/** No task id launched twice; per task, updates in order, one terminal state, duplicates only with the same uuid. */
export function checkUpdateStreams(tasks: readonly TaskHistory[]): Violation[] {
  const out: Violation[] = [];
  for (const task of tasks) {
    if (task.launches > 1)
      out.push({ property: "launched once", task: task.id, detail: `${task.launches} ACCEPTs` });
    const byUuid = new Map<string, TaskState>();
    let rank = -1;
    let terminal: SeenUpdate | undefined;
    for (const u of streamUpdates(task)) {
      if (u.uuid !== undefined) {
        const before = byUuid.get(u.uuid);
        if (before !== undefined) {
          if (before !== u.state)
            out.push({
              property: "duplicates only with the same uuid",
              task: task.id,
              detail: `uuid ${u.uuid} came as ${before} and as ${u.state}`,
            });
          continue;
        }
        byUuid.set(u.uuid, u.state);
      }
      if (terminal !== undefined) {
        out.push({
          property: "exactly one terminal state",
          task: task.id,
          detail: `${u.state} (uuid ${u.uuid}) after terminal ${terminal.state} (uuid ${terminal.uuid})`,
        });
        continue;
      }
      if (isTerminalState(u.state)) {
        terminal = u;
        continue;
      }
      // Only the agent's stream is ordered (§5.5); the master's own updates (TASK_UNREACHABLE,
      // the task's state again once its agent re-registers) come beside it.
      if (u.source === "SOURCE_MASTER") continue;
      const r = RANK[u.state];
      if (r === undefined) {
        rank = -1;
        continue;
      }
      if (r < rank)
        out.push({
          property: "updates in order",
          task: task.id,
          detail: `${u.state} after a later state (${describeUpdates(streamUpdates(task))})`,
        });
      rank = Math.max(rank, r);
    }
  }
  return out;
}

/**
 * Each task reached exactly one terminal state, or runs and reconciles as running; a task
 * whose command ran to its end finished (TASK_FINISHED, its real status); a task never seen
 * running may have been lost in flight only if reconciliation says so and nothing of it runs.
 */
export function checkOutcomes(tasks: readonly TaskHistory[], observed: Observed): Violation[] {
  const out: Violation[] = [];
  for (const task of tasks) {
    const terminal = terminalState(task);
    const alive = observed.processes.get(task.id) ?? [];
    const reconciled = reconciledState(task);
    const everRunning = streamUpdates(task).some((u) => u.state === "TASK_RUNNING");
    if (observed.done.has(task.id) && terminal !== undefined && terminal !== "TASK_FINISHED") {
      const end = streamUpdates(task).find((u) => u.state === terminal);
      out.push({
        property: "a task ends with its real status",
        task: task.id,
        detail: `its command exited 0 but the framework holds ${terminal} (${end?.reason ?? "-"}: ${end?.message ?? ""}); updates: ${describeUpdates(task.updates)}`,
      });
    }
    if (terminal !== undefined) continue;
    if (reconciled === "TASK_RUNNING" && alive.length > 0) continue;
    const lostInFlight =
      !everRunning &&
      alive.length === 0 &&
      !observed.done.has(task.id) &&
      reconciled !== undefined &&
      isTerminalOrUnknown(reconciled);
    if (lostInFlight) continue;
    out.push({
      property: "one terminal state, or running and reconciles as running",
      task: task.id,
      detail:
        `no terminal update; reconciliation says ${reconciled ?? "nothing"}; ` +
        `${alive.length === 0 ? "no process" : `processes on ${alive.join(",")}`}; ` +
        `${observed.done.has(task.id) ? "its command ran to its end" : "not done"}; ` +
        `updates: ${task.updates.map((u) => u.state).join(" ") || "none"}`,
    });
  }
  return out;
}

export function isTerminalOrUnknown(state: TaskState): boolean {
  return isTerminalState(state) || state === "TASK_UNKNOWN";
}

/** No process alive whose task the framework holds terminal; no task running on two agents. */
export function checkProcesses(tasks: readonly TaskHistory[], observed: Observed): Violation[] {
  const out: Violation[] = [];
  for (const task of tasks) {
    const alive = observed.processes.get(task.id) ?? [];
    const terminal = terminalState(task);
    if (terminal !== undefined && alive.length > 0) {
      out.push({
        property: "no process alive whose task is terminal",
        task: task.id,
        detail: `${terminal}, yet it runs on ${alive.join(",")}`,
      });
    }
    if (new Set(alive).size > 1) {
      out.push({
        property: "no task id launched twice",
        task: task.id,
        detail: `it runs on ${[...new Set(alive)].join(" and ")}`,
      });
    }
  }
  return out;
}

/**
 * Every update a framework got from an agent about a task still running there was
 * checkpointed by that agent first (§5.5: checkpointed before it is sent).
 */
export function checkCheckpointed(tasks: readonly TaskHistory[], observed: Observed): Violation[] {
  const out: Violation[] = [];
  for (const task of tasks) {
    const checkpointed = observed.checkpointed.get(task.id);
    if (checkpointed === undefined) continue;
    for (const u of streamUpdates(task)) {
      if (u.uuid === undefined || u.source === "SOURCE_MASTER") continue;
      if (!checkpointed.has(u.uuid))
        out.push({
          property: "an update is checkpointed before it is sent",
          task: task.id,
          detail: `${u.state} (uuid ${u.uuid}) is not in the agent's task.updates`,
        });
    }
  }
  return out;
}

/** One operator write: a value for a key, and whether the master answered 200. */
export interface OperatorWrite {
  readonly key: string;
  readonly value: string;
  readonly acknowledged: boolean;
}

/**
 * Operator writes answered 200 survive failovers: the value read back for each key is that of
 * its last acknowledged write, or of one sent after it whose answer never came (it may have
 * been applied).
 */
export function checkOperatorWrites(
  writes: readonly OperatorWrite[],
  readBack: ReadonlyMap<string, string | undefined>,
): Violation[] {
  const out: Violation[] = [];
  const keys = new Set(writes.map((w) => w.key));
  for (const key of keys) {
    const mine = writes.filter((w) => w.key === key);
    const lastAck = mine.map((w) => w.acknowledged).lastIndexOf(true);
    if (lastAck < 0) continue;
    const allowed = new Set(mine.slice(lastAck).map((w) => w.value));
    const value = readBack.get(key);
    if (value === undefined || !allowed.has(value)) {
      out.push({
        property: "operator writes answered 200 survive failover",
        detail: `${key}: read back ${value ?? "nothing"}, acknowledged ${mine[lastAck]?.value}`,
      });
    }
  }
  return out;
}
