// One Thermos task in the executor: the ThermosCore's decisions carried out (processes forked
// by the ProcessRunner, one timer for its wake-ups), the task's state reported to the agent
// (STARTING, then RUNNING once a process runs or, with a health check, once healthy; every
// change of a process's state in TaskStatus.data), the ServerSet member announced while it is
// RUNNING, and the graceful shutdown: withdraw the member, POST /quitquitquit, then
// /abortabortabort, then the core's SIGTERM / final processes / SIGKILL.
import type { ExecutorUpdate } from "../../../sdk/executor-client.ts";
import { HealthChecker, healthPort, loopbackCall, runCheck } from "./health-checker.ts";
import type { HealthVerdict } from "./health-gate.ts";
import { ProcessRunner } from "./process-runner.ts";
import { Membership, type MembershipState, serverSetMember } from "./serverset.ts";
import type { ThermosTask } from "./task-config.ts";
import { renderCmdline } from "./templating.ts";
import {
  type TaskOutcome,
  ThermosCore,
  type ThermosInput,
  type ThermosOutput,
} from "./thermos-core.ts";

/** Wait after /quitquitquit and after /abortabortabort (Aurora's 5 s), bounded by the grace. */
export const LIFECYCLE_WAIT_MS = 5_000;
/** Bound on one lifecycle POST. */
const LIFECYCLE_TIMEOUT_MS = 1_000;

export interface TaskRunDeps {
  readonly taskId: string;
  readonly task: ThermosTask;
  readonly sandbox: string;
  /** The agent's hostname, for the ServerSet member. */
  readonly host: string;
  sendUpdate(update: ExecutorUpdate): Promise<unknown>;
  log(message: string, fields?: Record<string, unknown>): void;
}

export class TaskRun {
  readonly #deps: TaskRunDeps;
  readonly #core: ThermosCore;
  readonly #runner: ProcessRunner;
  readonly #health: HealthChecker | undefined;
  #timer: NodeJS.Timeout | undefined;
  #state: "TASK_STARTING" | "TASK_RUNNING" = "TASK_STARTING";
  #membership: Membership | undefined;
  #serverSet: MembershipState = {};
  #killing = false;
  #dirty = false;
  #flushActive = false;
  #flushing: Promise<void> = Promise.resolve();
  #lastSent: string | undefined;
  #ended: ((outcome: { outcome: TaskOutcome; message: string }) => void) | undefined;
  readonly done: Promise<{ outcome: TaskOutcome; message: string }>;

  constructor(deps: TaskRunDeps) {
    this.#deps = deps;
    this.#core = new ThermosCore(deps.task);
    this.#runner = new ProcessRunner(deps.sandbox, (event) => this.#feed(event));
    const config = deps.task.health_check_config;
    this.#health =
      config === undefined
        ? undefined
        : new HealthChecker(
            config,
            () => runCheck(config, deps.task, deps.sandbox, deps.taskId),
            (verdict) => this.#onHealth(verdict),
          );
    this.done = new Promise((resolve) => {
      this.#ended = resolve;
    });
  }

  get finalizationWaitSecs(): number {
    return this.#deps.task.finalization_wait;
  }

  start(): void {
    this.#publish();
    this.#feed({ kind: "start" });
    this.#health?.start();
  }

  /** Ends the task gracefully within `graceMs` (KILL, SHUTDOWN or a failed health check). */
  async kill(
    outcome: "TASK_KILLED" | "TASK_FAILED",
    message: string,
    graceMs: number,
  ): Promise<void> {
    if (this.#killing || this.#core.outcome !== undefined) return;
    this.#killing = true;
    this.#health?.stop();
    const startedMs = Date.now();
    await this.#withdraw();
    const port = healthPort(this.#deps.task);
    const lifecycle = port !== undefined && this.#core.anyActive;
    const waitMs = Math.min(LIFECYCLE_WAIT_MS, Math.floor(graceMs / 3));
    const remainingMs = Math.max(0, graceMs - (Date.now() - startedMs));
    // The core stops restarting now and holds its SIGTERM until the lifecycle calls had their turn.
    this.#feed({
      kind: "kill",
      outcome,
      message,
      graceMs: remainingMs,
      termAfterMs: lifecycle ? 2 * waitMs : 0,
    });
    if (!lifecycle) return;
    await lifecyclePost(port, "/quitquitquit");
    if (await this.#allGoneWithin(waitMs)) return;
    await lifecyclePost(port, "/abortabortabort");
  }

  /** The executor is exiting (its agent is gone): nothing it started may outlive it. */
  abandon(): void {
    this.#health?.stop();
    clearTimeout(this.#timer);
    this.#runner.killAll();
  }

  #feed(input: ThermosInput): void {
    const outputs = this.#core.handle(input, Date.now());
    for (const output of outputs) this.#carryOut(output);
    this.#afterStep();
  }

  #carryOut(output: ThermosOutput): void {
    switch (output.kind) {
      case "spawn": {
        const rendered = renderCmdline(output.cmdline, {
          task: this.#deps.task,
          taskId: this.#deps.taskId,
        });
        if (!rendered.ok) {
          this.#deps.log("process cannot start", {
            process: output.process,
            error: rendered.message,
          });
          setImmediate(() =>
            this.#feed({
              kind: "spawn_failed",
              process: output.process,
              run: output.run,
              message: rendered.message,
            }),
          );
          return;
        }
        this.#runner.spawn(output.process, output.run, rendered.cmdline);
        return;
      }
      case "signal":
        this.#runner.signal(output.process, output.run, output.signal);
        return;
      case "wake_at":
        clearTimeout(this.#timer);
        this.#timer = setTimeout(
          () => this.#feed({ kind: "wake" }),
          Math.max(0, output.atMs - Date.now()),
        );
        return;
      case "finished":
        clearTimeout(this.#timer);
        void this.#end(output.outcome, output.message);
        return;
    }
  }

  #afterStep(): void {
    if (this.#core.outcome !== undefined) return;
    const snapshot = this.#core.snapshot();
    const running = Object.values(snapshot).some((p) => p.state === "RUNNING");
    if (
      this.#state === "TASK_STARTING" &&
      this.#health === undefined &&
      running &&
      !this.#killing
    ) {
      this.#becomeRunning();
    }
    this.#publish();
  }

  #onHealth(verdict: HealthVerdict): void {
    if (this.#killing) return;
    if (verdict.kind === "healthy") {
      this.#becomeRunning();
      this.#publish();
    } else if (verdict.kind === "failed") {
      this.#deps.log("health check failed", { message: verdict.message });
      void this.kill("TASK_FAILED", verdict.message, this.#deps.task.finalization_wait * 1000);
    }
  }

  #becomeRunning(): void {
    this.#state = "TASK_RUNNING";
    const announce = this.#deps.task.announce;
    if (announce === undefined) return;
    const member = serverSetMember(this.#deps.task, announce, this.#deps.host);
    if (!member.ok) {
      this.#serverSet = { error: member.message };
      return;
    }
    this.#membership = new Membership(announce, member.member, (state) => {
      if (state.error !== undefined)
        this.#deps.log("ServerSet announcement failed", { message: state.error });
      this.#serverSet = state;
      this.#publish();
    });
    this.#membership.start();
  }

  async #withdraw(): Promise<void> {
    await this.#membership?.stop();
  }

  async #allGoneWithin(waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!this.#core.anyActive) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return !this.#core.anyActive;
  }

  #data(): string {
    return JSON.stringify({
      processes: this.#core.snapshot(),
      ...(this.#health === undefined ? {} : { healthy: this.#health.healthy }),
      ...(this.#serverSet.member === undefined && this.#serverSet.error === undefined
        ? {}
        : { serverset: this.#serverSet }),
    });
  }

  /** Sends the current state; changes while one update is in flight go out as one. */
  #publish(): void {
    this.#dirty = true;
    if (this.#flushActive) return;
    this.#flushActive = true;
    this.#flushing = this.#flush();
  }

  async #flush(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        if (this.#core.outcome !== undefined) break;
        const data = this.#data();
        const key = `${this.#state}${data}`;
        if (key === this.#lastSent) continue;
        this.#lastSent = key;
        await this.#deps.sendUpdate({
          taskId: this.#deps.taskId,
          state: this.#state,
          data,
          ...(this.#health === undefined || this.#state !== "TASK_RUNNING"
            ? {}
            : { healthy: true }),
        });
      }
    } finally {
      this.#flushActive = false;
    }
  }

  async #end(outcome: TaskOutcome, message: string): Promise<void> {
    this.#health?.stop();
    await this.#withdraw();
    await this.#flushing;
    this.#runner.killAll();
    await this.#deps.sendUpdate({
      taskId: this.#deps.taskId,
      state: outcome,
      message,
      data: this.#data(),
    });
    this.#ended?.({ outcome, message });
  }
}

async function lifecyclePost(port: number, path: string): Promise<void> {
  try {
    await loopbackCall("POST", port, path, LIFECYCLE_TIMEOUT_MS);
  } catch {
    // The process may already be gone or not serve the endpoint: the signals follow anyway.
  }
}
