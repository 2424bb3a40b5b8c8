// The three probes both kinds of executor checks run (reference §2.9): a command in the task's
// environment and sandbox, an HTTP GET and a TCP connect to the task on loopback, each bounded
// by a timeout. Health checks (health-check.ts) and general checks (checks.ts) read the raw
// outcome their own way: pass/fail with a message, or a CheckStatusInfo.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import type { CommandInfo } from "../../wire/task.ts";

export type CommandOutcome =
  | { kind: "exited"; code: number }
  | { kind: "signaled"; signal: string }
  | { kind: "timed_out" }
  | { kind: "failed"; message: string };

/** The argv a COMMAND probe is run under to be inside the task's container (its image's
 *  root and mounts), or undefined while the container has no process to enter. */
export type InContainer = () => readonly string[] | undefined;

/** Runs `command` in its own process group; on timeout the whole group is SIGKILLed. */
export function runCommandProbe(
  command: CommandInfo,
  env: Readonly<Record<string, string>>,
  cwd: string,
  timeoutMs: number,
  inContainer?: InContainer,
): Promise<CommandOutcome> {
  if (command.value === undefined) {
    return Promise.resolve({ kind: "failed", message: "no command" });
  }
  const prefix = inContainer === undefined ? [] : inContainer();
  if (prefix === undefined) {
    return Promise.resolve({ kind: "failed", message: "the task's container has no process" });
  }
  const argv = [
    ...prefix,
    ...(command.shell !== false
      ? ["/bin/sh", "-c", command.value]
      : [command.value, ...(command.arguments ?? []).slice(1)]),
  ];
  const extraEnv: Record<string, string> = {};
  for (const v of command.environment?.variables ?? []) {
    if (v.value !== undefined) extraEnv[v.name] = v.value;
  }
  return new Promise((resolve) => {
    const child = spawn(argv[0] ?? "/bin/sh", argv.slice(1), {
      env: { ...env, ...extraEnv },
      cwd,
      stdio: "ignore",
      detached: true,
    });
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {}
      resolve({ kind: "timed_out" });
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ kind: "failed", message: error.message });
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(
        code !== null
          ? { kind: "exited", code }
          : { kind: "signaled", signal: signal ?? "unknown" },
      );
    });
  });
}

/** GETs `url`, reading the whole body; the status, or why there is none. */
export async function httpProbe(
  url: string,
  timeoutMs: number,
): Promise<{ ok: true; status: number } | { ok: false; message: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return { ok: true, status: res.status };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Connects to 127.0.0.1:`port` and closes at once. */
export function tcpProbe(
  port: number,
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; message: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (result: { ok: true } | { ok: false; message: string }) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => done({ ok: false, message: `Connection timed out after ${timeoutMs}ms` }),
      timeoutMs,
    );
    socket.once("connect", () => done({ ok: true }));
    socket.once("error", (error) => done({ ok: false, message: error.message }));
  });
}

/**
 * The schedule both checks and health checks follow (Mesos's Checker and HealthChecker): the
 * first probe after `delay_seconds`, the next `interval_seconds` after each result, until
 * stopped. `onResult` returns false to stop.
 */
export class ProbeLoop<R> {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #intervalMs: number;
  readonly #probe: () => Promise<R>;
  readonly #onResult: (result: R) => boolean;

  constructor(
    timing: { readonly delay_seconds: number; readonly interval_seconds: number },
    probe: () => Promise<R>,
    onResult: (result: R) => boolean,
  ) {
    this.#intervalMs = timing.interval_seconds * 1000;
    this.#probe = probe;
    this.#onResult = onResult;
    this.#schedule(timing.delay_seconds * 1000);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#run(), Math.max(0, delayMs));
  }

  async #run(): Promise<void> {
    const result = await this.#probe();
    if (this.#stopped) return;
    if (!this.#onResult(result)) {
      this.stop();
      return;
    }
    this.#schedule(this.#intervalMs);
  }
}
