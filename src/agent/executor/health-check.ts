// Health checks of the built-in command executor (reference §3.5, §9.4; Mesos's
// `checks::HealthChecker`): COMMAND (exit 0), HTTP (status 200..399) and TCP (connects) probes,
// first after `delay_seconds`, then every `interval_seconds`, each bounded by
// `timeout_seconds`. Failures within `grace_period_seconds` of the start are ignored until the
// first success; `consecutive_failures` failures in a row tell the executor to kill the task.
// As Mesos's HealthChecker does, every counted failure is reported (healthy=false, the last one
// just before the kill), and a success only when it is the first or follows a failure; the
// executor sends each as TaskStatus.healthy with REASON_TASK_HEALTH_CHECK_STATUS_UPDATED.
import type { HealthCheck } from "../../wire/task.ts";
import { httpProbe, type InContainer, ProbeLoop, runCommandProbe, tcpProbe } from "./probes.ts";

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
  inContainer?: InContainer,
): Promise<ProbeResult> {
  switch (check.type) {
    case "COMMAND": {
      if (check.command?.value === undefined) return { ok: false, message: "no command" };
      const outcome = await runCommandProbe(check.command, env, cwd, timeoutMs, inContainer);
      switch (outcome.kind) {
        case "exited":
          return outcome.code === 0
            ? { ok: true }
            : { ok: false, message: `Command returned: ${outcome.code}` };
        case "signaled":
          return { ok: false, message: `Command returned: ${outcome.signal}` };
        case "timed_out":
          return { ok: false, message: `Command timed out after ${timeoutMs}ms` };
        case "failed":
          return { ok: false, message: outcome.message };
      }
      break;
    }
    case "HTTP": {
      const http = check.http;
      if (http === undefined) return { ok: false, message: "no http" };
      const scheme = http.scheme ?? "http";
      const result = await httpProbe(
        `${scheme}://127.0.0.1:${http.port}${http.path ?? "/"}`,
        timeoutMs,
      );
      if (!result.ok) return result;
      return result.status >= 200 && result.status < 400
        ? { ok: true }
        : { ok: false, message: `Unexpected HTTP status ${result.status}` };
    }
    case "TCP": {
      const port = check.tcp?.port;
      if (port === undefined) return { ok: false, message: "no tcp" };
      return tcpProbe(port, timeoutMs);
    }
  }
  return { ok: false, message: `Unsupported health check type '${check.type ?? ""}'` };
}

export class HealthChecker {
  readonly #loop: ProbeLoop<ProbeResult>;
  #healthy: boolean | undefined;
  #failures = 0;
  #succeeded = false;
  readonly #startMs = Date.now();

  constructor(
    private readonly check: HealthCheck,
    env: Readonly<Record<string, string>>,
    cwd: string,
    private readonly events: HealthCheckEvents,
    /** A task in an image: COMMAND probes run in its container (Mesos's checker enters the
     *  task's mount namespace), else on the agent's root. */
    inContainer?: InContainer,
  ) {
    this.#loop = new ProbeLoop(
      check,
      () => probe(check, env, cwd, check.timeout_seconds * 1000, inContainer),
      (result) => this.#result(result),
    );
  }

  stop(): void {
    this.#loop.stop();
  }

  /** Counts one probe's result; false once the task must be killed. */
  #result(result: ProbeResult): boolean {
    if (result.ok) {
      this.#succeeded = true;
      this.#failures = 0;
      if (this.#healthy !== true) {
        this.#healthy = true;
        this.events.healthChanged(true);
      }
      return true;
    }
    const inGrace =
      !this.#succeeded && Date.now() - this.#startMs < this.check.grace_period_seconds * 1000;
    if (inGrace) return true;
    this.#failures += 1;
    this.#healthy = false;
    this.events.healthChanged(false);
    if (this.#failures < this.check.consecutive_failures) return true;
    this.stop();
    this.events.unhealthy(this.#failures);
    return false;
  }
}
