// ThermosCore: the pure decisions of the Thermos-like executor (DESIGN.md "Pure core, thin
// shell"): which process of a task to start next, when to restart one, when to signal, and how
// the task ends. It takes inputs (a process started, one exited, a kill asked for, a timer
// fired) with the time, and returns outputs (spawn, signal, wake me at, the task ended) for the
// shell (executor.ts) to carry out. No processes, timers or clocks in here.
//
// Aurora's semantics (reference frameworks-api.md §3.1): `order()` constraints, per-process
// `max_failures` (0 = unlimited), `daemon` (restarted after success), `ephemeral` (its end
// decides nothing), `min_duration` (a restart waits until that long after the run's start),
// `final` (runs once the regular processes are done or killed), `max_concurrency`, and
// `finalization_wait` (the budget of the finishing task before SIGKILL).
import { assert } from "../../../base/assert.ts";
import type { ThermosProcess, ThermosTask } from "./task-config.ts";

export type ProcessState =
  | "WAITING"
  | "FORKED"
  | "RUNNING"
  | "SUCCESS"
  | "FAILED"
  | "KILLED"
  | "LOST";
export type TaskOutcome = "TASK_FINISHED" | "TASK_FAILED" | "TASK_KILLED";

const TERMINAL_PROCESS: ReadonlySet<ProcessState> = new Set([
  "SUCCESS",
  "FAILED",
  "KILLED",
  "LOST",
]);
const ACTIVE_PROCESS: ReadonlySet<ProcessState> = new Set(["FORKED", "RUNNING"]);

/** What a process looks like in TaskStatus.data (times in seconds since the epoch). */
export interface ProcessStatus {
  state: ProcessState;
  /** Runs started so far (the current one included). */
  runs: number;
  failures: number;
  pid?: number;
  start_time?: number;
  stop_time?: number;
  return_code?: number;
  /** Why the last run could not be forked (a LOST run). */
  message?: string;
}

export type ThermosInput =
  | { kind: "start" }
  | { kind: "started"; process: string; run: number; pid: number }
  | { kind: "exited"; process: string; run: number; exitCode: number | null; signal: string | null }
  | { kind: "spawn_failed"; process: string; run: number; message: string }
  | { kind: "wake" }
  /**
   * End the task within `graceMs`: no more restarts; SIGTERM to the regular processes from
   * `termAfterMs` on (the shell's HTTP lifecycle calls go first), then the final processes,
   * SIGKILL to whatever runs at the deadline.
   */
  | {
      kind: "kill";
      outcome: "TASK_KILLED" | "TASK_FAILED";
      message: string;
      graceMs: number;
      termAfterMs?: number;
    };

export type ThermosOutput =
  | { kind: "spawn"; process: string; run: number; cmdline: string }
  | { kind: "signal"; process: string; run: number; signal: "SIGTERM" | "SIGKILL" }
  /** The shell calls back with `wake` at (or after) this time; a later one replaces it. */
  | { kind: "wake_at"; atMs: number }
  | { kind: "finished"; outcome: TaskOutcome; message: string };

interface Proc {
  readonly spec: ThermosProcess;
  readonly predecessors: readonly string[];
  status: ProcessStatus;
  /** Earliest start of the next run (min_duration). */
  notBeforeMs: number;
  /** The current run was signalled by us: its end is KILLED, not a failure. */
  signalled: "SIGTERM" | "SIGKILL" | undefined;
}

type Phase =
  | { name: "idle" }
  | { name: "running" }
  | {
      name: "finishing";
      outcome: TaskOutcome;
      message: string;
      termAtMs: number;
      deadlineMs: number;
    }
  | { name: "done"; outcome: TaskOutcome; message: string };

export class ThermosCore {
  readonly #task: ThermosTask;
  readonly #procs = new Map<string, Proc>();
  #phase: Phase = { name: "idle" };

  constructor(task: ThermosTask) {
    this.#task = task;
    const predecessors = new Map<string, string[]>();
    for (const { order } of task.constraints) {
      for (let i = 1; i < order.length; i++) {
        const list = predecessors.get(order[i] as string) ?? [];
        list.push(order[i - 1] as string);
        predecessors.set(order[i] as string, list);
      }
    }
    for (const spec of task.processes) {
      assert(!this.#procs.has(spec.name), `duplicate process name ${spec.name}`);
      this.#procs.set(spec.name, {
        spec,
        predecessors: predecessors.get(spec.name) ?? [],
        status: { state: "WAITING", runs: 0, failures: 0 },
        notBeforeMs: 0,
        signalled: undefined,
      });
    }
  }

  /** Every process's status, by name, in the task's order. */
  snapshot(): Record<string, ProcessStatus> {
    const out: Record<string, ProcessStatus> = {};
    for (const [name, proc] of this.#procs) out[name] = { ...proc.status };
    return out;
  }

  get outcome(): { outcome: TaskOutcome; message: string } | undefined {
    return this.#phase.name === "done" ? this.#phase : undefined;
  }

  /** True while at least one process has been forked and not ended. */
  get anyActive(): boolean {
    return [...this.#procs.values()].some((p) => ACTIVE_PROCESS.has(p.status.state));
  }

  handle(input: ThermosInput, nowMs: number): ThermosOutput[] {
    const out: ThermosOutput[] = [];
    if (this.#phase.name === "done") return out;
    switch (input.kind) {
      case "start":
        if (this.#phase.name === "idle") this.#phase = { name: "running" };
        break;
      case "started": {
        const proc = this.#current(input.process, input.run);
        if (proc !== undefined && proc.status.state === "FORKED") {
          proc.status.state = "RUNNING";
          proc.status.pid = input.pid;
          delete proc.status.message;
        }
        break;
      }
      case "exited": {
        const proc = this.#current(input.process, input.run);
        if (proc !== undefined && ACTIVE_PROCESS.has(proc.status.state)) {
          this.#ended(proc, input.exitCode === 0 ? "ok" : "failed", nowMs, input.exitCode);
        }
        break;
      }
      case "spawn_failed": {
        const proc = this.#current(input.process, input.run);
        if (proc !== undefined && ACTIVE_PROCESS.has(proc.status.state)) {
          this.#ended(proc, "lost", nowMs, null);
          proc.status.message = input.message;
        }
        break;
      }
      case "wake":
        break;
      case "kill":
        if (this.#phase.name === "idle" || this.#phase.name === "running") {
          const termAtMs = nowMs + Math.min(input.termAfterMs ?? 0, input.graceMs);
          this.#finish(input.outcome, input.message, nowMs + input.graceMs, termAtMs);
        } else if (this.#phase.name === "finishing" && input.outcome === "TASK_KILLED") {
          // A second kill can only bring the deadline forward; the outcome stays the first one's.
          this.#phase.deadlineMs = Math.min(this.#phase.deadlineMs, nowMs + input.graceMs);
        }
        break;
    }
    this.#step(nowMs, out);
    return out;
  }

  #current(name: string, run: number): Proc | undefined {
    const proc = this.#procs.get(name);
    return proc !== undefined && proc.status.runs === run ? proc : undefined;
  }

  /** A run ended: decide the process's next state (restart, success, failure, killed). */
  #ended(proc: Proc, how: "ok" | "failed" | "lost", nowMs: number, code: number | null): void {
    const s = proc.status;
    s.stop_time = nowMs / 1000;
    delete s.pid;
    if (code === null) delete s.return_code;
    else s.return_code = code;
    const killedByUs = proc.signalled !== undefined;
    proc.signalled = undefined;
    const restartable =
      this.#phase.name === "running" || (this.#phase.name === "finishing" && proc.spec.final);
    if (killedByUs) {
      s.state = "KILLED";
      return;
    }
    if (how === "ok") {
      if (proc.spec.daemon && restartable) this.#restart(proc, nowMs);
      else s.state = "SUCCESS";
      return;
    }
    s.failures += 1;
    const exhausted = proc.spec.max_failures !== 0 && s.failures >= proc.spec.max_failures;
    if (exhausted || !restartable) s.state = how === "lost" ? "LOST" : "FAILED";
    else this.#restart(proc, nowMs);
  }

  #restart(proc: Proc, nowMs: number): void {
    proc.status.state = "WAITING";
    const startedMs = (proc.status.start_time ?? 0) * 1000;
    proc.notBeforeMs = Math.max(nowMs, startedMs + proc.spec.min_duration * 1000);
  }

  #finish(outcome: TaskOutcome, message: string, deadlineMs: number, termAtMs = 0): void {
    this.#phase = { name: "finishing", outcome, message, termAtMs, deadlineMs };
  }

  /** Brings every process forward as far as the time allows; appends what to do. */
  #step(nowMs: number, out: ThermosOutput[]): void {
    if (this.#phase.name === "running") this.#decideOutcome(nowMs);
    const phase = this.#phase;
    if (phase.name === "running") {
      this.#startEligible(nowMs, out, (p) => !p.spec.final);
    } else if (phase.name === "finishing") {
      this.#stepFinishing(phase, nowMs, out);
    }
    const after = this.#phase;
    if (after.name === "done") {
      out.push({ kind: "finished", outcome: after.outcome, message: after.message });
      return;
    }
    const wake = this.#nextWakeMs(nowMs);
    if (wake !== undefined) out.push({ kind: "wake_at", atMs: wake });
  }

  /** While running: has a regular process failed for good, or have they all succeeded? */
  #decideOutcome(nowMs: number): void {
    const regular = [...this.#procs.values()].filter((p) => !p.spec.final);
    this.#blockDependents();
    const deciding = regular.filter((p) => !p.spec.ephemeral);
    const failed = deciding.find(
      (p) =>
        p.status.state === "FAILED" || p.status.state === "LOST" || p.status.state === "KILLED",
    );
    const wait = this.#task.finalization_wait * 1000;
    if (failed !== undefined) {
      const why =
        failed.status.state === "KILLED"
          ? `Process '${failed.spec.name}' could not start: a process it is ordered after did not succeed`
          : `Process '${failed.spec.name}' failed after ${failed.status.failures} failure(s) (max_failures ${failed.spec.max_failures})${failed.status.message === undefined ? "" : `: ${failed.status.message}`}`;
      this.#finish("TASK_FAILED", why, nowMs + wait);
      return;
    }
    const all = deciding.length > 0 ? deciding : regular;
    if (all.every((p) => p.status.state === "SUCCESS")) {
      this.#finish("TASK_FINISHED", "All processes finished successfully", nowMs + wait);
    }
  }

  /** A waiting process whose predecessor ended without success can never run. */
  #blockDependents(): void {
    let changed = true;
    while (changed) {
      changed = false;
      for (const proc of this.#procs.values()) {
        if (proc.status.state !== "WAITING" || proc.status.runs > 0) continue;
        const blocked = proc.predecessors.some((name) => {
          const state = this.#procs.get(name)?.status.state;
          return state !== undefined && TERMINAL_PROCESS.has(state) && state !== "SUCCESS";
        });
        if (blocked) {
          proc.status.state = "KILLED";
          changed = true;
        }
      }
    }
  }

  #stepFinishing(
    phase: Extract<Phase, { name: "finishing" }>,
    nowMs: number,
    out: ThermosOutput[],
  ): void {
    const procs = [...this.#procs.values()];
    const pastDeadline = nowMs >= phase.deadlineMs;
    for (const proc of procs) {
      const s = proc.status;
      if (s.state === "WAITING" && (!proc.spec.final || pastDeadline)) s.state = "KILLED";
      if (!ACTIVE_PROCESS.has(s.state)) continue;
      const term = !proc.spec.final && nowMs >= phase.termAtMs;
      const want = pastDeadline ? "SIGKILL" : term ? "SIGTERM" : undefined;
      if (want !== undefined && proc.signalled !== want && proc.signalled !== "SIGKILL") {
        proc.signalled = want;
        out.push({ kind: "signal", process: proc.spec.name, run: s.runs, signal: want });
      }
    }
    const regularActive = procs.some((p) => !p.spec.final && ACTIVE_PROCESS.has(p.status.state));
    if (!regularActive && !pastDeadline) {
      this.#blockDependents();
      this.#startEligible(nowMs, out, (p) => p.spec.final);
    }
    if (procs.every((p) => TERMINAL_PROCESS.has(p.status.state))) {
      this.#phase = { name: "done", outcome: phase.outcome, message: phase.message };
    }
  }

  /** Starts the waiting processes `which` allows whose turn it is, within max_concurrency. */
  #startEligible(nowMs: number, out: ThermosOutput[], which: (p: Proc) => boolean): void {
    const limit = this.#task.max_concurrency;
    let active = [...this.#procs.values()].filter((p) => ACTIVE_PROCESS.has(p.status.state)).length;
    for (const proc of this.#procs.values()) {
      if (limit > 0 && active >= limit) return;
      if (!which(proc) || proc.status.state !== "WAITING" || nowMs < proc.notBeforeMs) continue;
      const ready = proc.predecessors.every((name) => {
        const pred = this.#procs.get(name);
        // A final process waits only on final processes: the regular ones are over by now.
        if (pred === undefined || (proc.spec.final && !pred.spec.final)) return true;
        return pred.status.state === "SUCCESS";
      });
      if (!ready) continue;
      const s = proc.status;
      s.runs += 1;
      s.state = "FORKED";
      s.start_time = nowMs / 1000;
      delete s.stop_time;
      delete s.return_code;
      active += 1;
      out.push({ kind: "spawn", process: proc.spec.name, run: s.runs, cmdline: proc.spec.cmdline });
    }
  }

  #nextWakeMs(nowMs: number): number | undefined {
    let wake: number | undefined;
    const consider = (at: number) => {
      if (at > nowMs && (wake === undefined || at < wake)) wake = at;
    };
    for (const proc of this.#procs.values()) {
      if (proc.status.state === "WAITING" && proc.status.runs > 0) consider(proc.notBeforeMs);
    }
    if (this.#phase.name === "finishing") {
      consider(this.#phase.termAtMs);
      consider(this.#phase.deadlineMs);
    }
    return wake;
  }
}
