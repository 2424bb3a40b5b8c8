// The reconciliation schedule Mesos recommends to schedulers (reference §5.7, docs
// "reconciliation"): after every (re)subscription, explicitly reconcile every task the
// scheduler believes non-terminal, and resend for those still unanswered with truncated
// exponential backoff (the master sends no answer for tasks on agents that have not
// re-registered yet); and, optionally, reconcile implicitly every so often to learn about
// tasks the scheduler forgot. Pure: the shell calls `due(now)` when `nextWakeMs` comes.
import { assert } from "../base/assert.ts";

export interface ReconcileTask {
  readonly taskId: string;
  readonly agentId?: string;
}

export interface ReconcileOptions {
  /** Wait before the first resend of unanswered tasks. */
  readonly initialDelayMs?: number;
  /** Resends are never further apart than this (the truncation). */
  readonly maxDelayMs?: number;
  /** Period of implicit reconciliation; none when unset. */
  readonly implicitIntervalMs?: number;
}

/** One RECONCILE call to send: explicit (listing tasks) or implicit (empty list). */
export type ReconcileStep =
  | { readonly kind: "explicit"; readonly tasks: readonly ReconcileTask[] }
  | { readonly kind: "implicit" };

export const RECONCILE_INITIAL_DELAY_MS = 1_000;
export const RECONCILE_MAX_DELAY_MS = 60_000;

export class Reconciliation {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly implicitIntervalMs: number | undefined;
  private readonly remaining = new Map<string, ReconcileTask>();
  private delayMs: number;
  private nextExplicitAtMs: number | undefined;
  private nextImplicitAtMs: number | undefined;
  private resends = 0;

  constructor(options: ReconcileOptions = {}) {
    this.initialDelayMs = options.initialDelayMs ?? RECONCILE_INITIAL_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? RECONCILE_MAX_DELAY_MS;
    this.implicitIntervalMs = options.implicitIntervalMs;
    assert(this.initialDelayMs > 0, "Reconciliation: initialDelayMs must be positive");
    assert(this.maxDelayMs >= this.initialDelayMs, "Reconciliation: maxDelayMs < initialDelayMs");
    assert(
      this.implicitIntervalMs === undefined || this.implicitIntervalMs > 0,
      "Reconciliation: implicitIntervalMs must be positive",
    );
    this.delayMs = this.initialDelayMs;
  }

  /**
   * A (re)subscription happened: returns the explicit call to send now (none when no task is
   * known) and restarts the schedule. Tasks from an earlier, unfinished round are dropped: the
   * caller passes everything it still believes non-terminal.
   */
  start(tasks: readonly ReconcileTask[], nowMs: number): ReconcileStep[] {
    this.remaining.clear();
    for (const task of tasks) this.remaining.set(task.taskId, task);
    this.delayMs = this.initialDelayMs;
    this.resends = 0;
    this.nextExplicitAtMs = this.remaining.size > 0 ? nowMs + this.delayMs : undefined;
    if (this.implicitIntervalMs !== undefined) {
      this.nextImplicitAtMs = nowMs + this.implicitIntervalMs;
    }
    return this.remaining.size > 0
      ? [{ kind: "explicit", tasks: [...this.remaining.values()] }]
      : [];
  }

  /** An UPDATE for the task arrived after the round started: it needs no resend. */
  onUpdate(taskId: string): void {
    this.remaining.delete(taskId);
    if (this.remaining.size === 0) this.nextExplicitAtMs = undefined;
  }

  /** Tasks not answered yet in the current round. */
  get unanswered(): readonly ReconcileTask[] {
    return [...this.remaining.values()];
  }

  /** Explicit resends so far in this round. */
  get resendCount(): number {
    return this.resends;
  }

  /** When `due` has something to do next; undefined when nothing is scheduled. */
  get nextWakeMs(): number | undefined {
    const times = [this.nextExplicitAtMs, this.nextImplicitAtMs].filter(
      (t): t is number => t !== undefined,
    );
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** The calls to send at `nowMs`, advancing the schedule. */
  due(nowMs: number): ReconcileStep[] {
    const steps: ReconcileStep[] = [];
    if (this.nextExplicitAtMs !== undefined && nowMs >= this.nextExplicitAtMs) {
      steps.push({ kind: "explicit", tasks: [...this.remaining.values()] });
      this.resends += 1;
      this.delayMs = Math.min(this.maxDelayMs, this.delayMs * 2);
      this.nextExplicitAtMs = nowMs + this.delayMs;
    }
    if (this.nextImplicitAtMs !== undefined && nowMs >= this.nextImplicitAtMs) {
      steps.push({ kind: "implicit" });
      assert(this.implicitIntervalMs !== undefined, "implicit time without an interval");
      this.nextImplicitAtMs = nowMs + this.implicitIntervalMs;
    }
    return steps;
  }

  /** Disconnected: nothing is sent until the next `start`. */
  pause(): void {
    this.nextExplicitAtMs = undefined;
    this.nextImplicitAtMs = undefined;
  }
}
