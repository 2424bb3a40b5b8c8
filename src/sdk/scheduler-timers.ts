// The timers of a SchedulerClient's subscription: the heartbeat watchdog (a stream silent past
// its deadline is dead: a half-open connection after a master crash shows no error) and the
// reconciliation schedule (each step sent when due, reconcile.ts deciding what is due).
import type { ReconcileTask, Reconciliation } from "./reconcile.ts";

export class SchedulerTimers {
  readonly #reconciliation: Reconciliation | undefined;
  readonly #sendReconcile: (tasks: readonly ReconcileTask[]) => void;
  #watchdog: NodeJS.Timeout | undefined;
  #reconcileTimer: NodeJS.Timeout | undefined;

  /** `sendReconcile` sends one RECONCILE (an empty list: implicit reconciliation). */
  constructor(
    reconciliation: Reconciliation | undefined,
    sendReconcile: (tasks: readonly ReconcileTask[]) => void,
  ) {
    this.#reconciliation = reconciliation;
    this.#sendReconcile = sendReconcile;
  }

  /** (Re)arms the watchdog: `onSilent` runs at `deadlineMs` unless armed again first. */
  armWatchdog(deadlineMs: number, onSilent: () => void): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(onSilent, Math.max(0, deadlineMs - Date.now()));
    this.#watchdog.unref();
  }

  /** Starts the recommended reconciliation over `tasks` after a (re)subscription. */
  startReconciliation(tasks: readonly ReconcileTask[]): void {
    const r = this.#reconciliation;
    if (r !== undefined) this.#sendSteps(r.start(tasks, Date.now()));
  }

  #sendSteps(steps: ReturnType<Reconciliation["due"]>): void {
    for (const step of steps) this.#sendReconcile(step.kind === "explicit" ? step.tasks : []);
    clearTimeout(this.#reconcileTimer);
    const wake = this.#reconciliation?.nextWakeMs;
    if (wake === undefined) return;
    this.#reconcileTimer = setTimeout(
      () => this.#sendSteps(this.#reconciliation?.due(Date.now()) ?? []),
      Math.max(0, wake - Date.now()),
    );
    this.#reconcileTimer.unref();
  }

  clear(): void {
    clearTimeout(this.#watchdog);
    clearTimeout(this.#reconcileTimer);
  }
}
