// Health checks of the built-in command executor (reference §3.5, §9.4; Mesos's
// `checks::HealthChecker`): COMMAND (exit 0), HTTP (status 200..399) and TCP (connects) probes,
// first after `delay_seconds`, then every `interval_seconds`, each bounded by
// `timeout_seconds`. Failures within `grace_period_seconds` of the start are ignored until the
// first success; `consecutive_failures` failures in a row tell the executor to kill the task.
// As Mesos's HealthChecker does, every counted failure is reported (healthy=false, the last one
// just before the kill), and a success only when it is the first or follows a failure; the
// executor sends each as TaskStatus.healthy with REASON_TASK_HEALTH_CHECK_STATUS_UPDATED.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import type { HealthCheck } from "../../wire/task.ts";

export interface HealthCheckEvents {
  /** A result to report: every failure outside the grace period, and a success that is the
   *  first one or ends a run of failures. */
  healthChanged(healthy: boolean): void;
  /** `consecutive_failures` reached: the task must be killed. */
  unhealthy(failures: number): void;
}

export type ProbeResult = { ok: true } | { ok: false; message: string };

/** Runs one probe of a health check. */
export async function probe(
  check: HealthCheck,
  env: Readonly<Record<string, string>>,
  cwd: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  switch (check.type) {
    case "COMMAND": {
      const command = check.command;
      if (command?.value === undefined) return { ok: false, message: "no command" };
      const argv =
        command.shell !== false
          ? ["/bin/sh", "-c", command.value]
          : [command.value, ...(command.arguments ?? []).slice(1)];
      return new Promise((resolve) => {
        const child = spawn(argv[0] ?? "/bin/sh", argv.slice(1), {
          env: { ...env, ...envOf(command.environment) },
          cwd,
          stdio: "ignore",
          detached: true,
        });
        const timer = setTimeout(() => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
          } catch {}
          resolve({ ok: false, message: `Command timed out after ${timeoutMs}ms` });
        }, timeoutMs);
        child.on("error", (error) => {
          clearTimeout(timer);
          resolve({ ok: false, message: error.message });
        });
        child.on("exit", (code, signal) => {
          clearTimeout(timer);
          resolve(
            code === 0
              ? { ok: true }
              : { ok: false, message: `Command returned: ${code ?? signal ?? "unknown"}` },
          );
        });
      });
    }
    case "HTTP": {
      const http = check.http;
      if (http === undefined) return { ok: false, message: "no http" };
      const scheme = http.scheme ?? "http";
      const url = `${scheme}://127.0.0.1:${http.port}${http.path ?? "/"}`;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        return res.status >= 200 && res.status < 400
          ? { ok: true }
          : { ok: false, message: `Unexpected HTTP status ${res.status}` };
      } catch (error) {
        return { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
    }
    case "TCP": {
      const port = check.tcp?.port;
      if (port === undefined) return { ok: false, message: "no tcp" };
      return new Promise((resolve) => {
        const socket = connect({ host: "127.0.0.1", port });
        const timer = setTimeout(() => {
          socket.destroy();
          resolve({ ok: false, message: `Connection timed out after ${timeoutMs}ms` });
        }, timeoutMs);
        socket.once("connect", () => {
          clearTimeout(timer);
          socket.destroy();
          resolve({ ok: true });
        });
        socket.once("error", (error) => {
          clearTimeout(timer);
          resolve({ ok: false, message: error.message });
        });
      });
    }
    default:
      return { ok: false, message: `Unsupported health check type '${check.type ?? ""}'` };
  }
}

function envOf(
  environment:
    | { variables?: { name: string; value?: string | undefined }[] | undefined }
    | undefined,
) {
  const out: Record<string, string> = {};
  for (const v of environment?.variables ?? []) if (v.value !== undefined) out[v.name] = v.value;
  return out;
}

export class HealthChecker {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #healthy: boolean | undefined;
  #failures = 0;
  #succeeded = false;
  readonly #startMs = Date.now();

  constructor(
    private readonly check: HealthCheck,
    private readonly env: Readonly<Record<string, string>>,
    private readonly cwd: string,
    private readonly events: HealthCheckEvents,
  ) {
    this.#schedule(check.delay_seconds * 1000);
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
    const result = await probe(this.check, this.env, this.cwd, this.check.timeout_seconds * 1000);
    if (this.#stopped) return;
    if (result.ok) {
      this.#succeeded = true;
      this.#failures = 0;
      if (this.#healthy !== true) {
        this.#healthy = true;
        this.events.healthChanged(true);
      }
    } else {
      const inGrace =
        !this.#succeeded && Date.now() - this.#startMs < this.check.grace_period_seconds * 1000;
      if (!inGrace) {
        this.#failures += 1;
        this.#healthy = false;
        this.events.healthChanged(false);
        if (this.#failures >= this.check.consecutive_failures) {
          this.stop();
          this.events.unhealthy(this.#failures);
          return;
        }
      }
    }
    this.#schedule(this.check.interval_seconds * 1000);
  }
}
