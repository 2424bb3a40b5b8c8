// General checks of the built-in executors (reference §2.9; Mesos's `checks::Checker`), as
// opposed to health checks: a CheckInfo (COMMAND, HTTP or TCP) is probed first after
// `delay_seconds`, then every `interval_seconds`, each probe bounded by `timeout_seconds`; the
// result is a CheckStatusInfo (`command.exit_code`, `http.status_code`, `tcp.succeeded`) that
// the executor sends as TaskStatus.check_status with REASON_TASK_CHECK_STATUS_UPDATED whenever
// it differs from the last one sent. A probe that could not produce a result (timed out, could
// not start, HTTP connection failed) gives the empty result of its type, as Mesos does. Checks
// never kill the task.
//
// Wiring (command-executor.ts): send `emptyCheckStatus(task.check)` with the first TASK_RUNNING,
// then `new Checker(task.check, env, sandbox, { checkUpdated: (s) => update(RUNNING, s) })`,
// and `stop()` it when the task ends.
import type { CheckStatusInfo } from "../../wire/status.ts";
import type { CheckInfo } from "../../wire/task.ts";
import { httpProbe, type InContainer, ProbeLoop, runCommandProbe, tcpProbe } from "./probes.ts";

export interface CheckEvents {
  /** The check's result changed: send it as TaskStatus.check_status. */
  checkUpdated(status: CheckStatusInfo): void;
}

/** What TASK_RUNNING carries before the first result: the type and an empty sub-message. */
export function emptyCheckStatus(check: CheckInfo): CheckStatusInfo {
  switch (check.type) {
    case "COMMAND":
      return { type: "COMMAND", command: {} };
    case "HTTP":
      return { type: "HTTP", http: {} };
    case "TCP":
      return { type: "TCP", tcp: {} };
    default:
      return { type: "UNKNOWN" };
  }
}

async function commandCheck(
  check: CheckInfo,
  env: Readonly<Record<string, string>>,
  cwd: string,
  timeoutMs: number,
  inContainer: InContainer | undefined,
): Promise<CheckStatusInfo> {
  const command = check.command?.command;
  const empty: CheckStatusInfo = { type: "COMMAND", command: {} };
  if (command === undefined) return empty;
  const outcome = await runCommandProbe(command, env, cwd, timeoutMs, inContainer);
  // Killed by a signal, timed out or not started: no exit code to report.
  return outcome.kind === "exited"
    ? { type: "COMMAND", command: { exit_code: outcome.code } }
    : empty;
}

async function httpCheck(check: CheckInfo, timeoutMs: number): Promise<CheckStatusInfo> {
  const http = check.http;
  if (http === undefined) return { type: "HTTP", http: {} };
  const result = await httpProbe(`http://127.0.0.1:${http.port}${http.path ?? "/"}`, timeoutMs);
  return { type: "HTTP", http: result.ok ? { status_code: result.status } : {} };
}

async function tcpCheck(check: CheckInfo, timeoutMs: number): Promise<CheckStatusInfo> {
  const port = check.tcp?.port;
  if (port === undefined) return { type: "TCP", tcp: {} };
  return { type: "TCP", tcp: { succeeded: (await tcpProbe(port, timeoutMs)).ok } };
}

/** Runs one probe of a check and returns its result. */
export function probeCheck(
  check: CheckInfo,
  env: Readonly<Record<string, string>>,
  cwd: string,
  inContainer?: InContainer,
): Promise<CheckStatusInfo> {
  const timeoutMs = check.timeout_seconds * 1000;
  switch (check.type) {
    case "COMMAND":
      return commandCheck(check, env, cwd, timeoutMs, inContainer);
    case "HTTP":
      return httpCheck(check, timeoutMs);
    case "TCP":
      return tcpCheck(check, timeoutMs);
    default:
      return Promise.resolve({ type: "UNKNOWN" });
  }
}

export class Checker {
  readonly #loop: ProbeLoop<CheckStatusInfo>;
  #last: string;

  constructor(
    check: CheckInfo,
    env: Readonly<Record<string, string>>,
    cwd: string,
    private readonly events: CheckEvents,
    /** A task in an image: COMMAND checks run in its container (as health checks do). */
    inContainer?: InContainer,
  ) {
    this.#last = JSON.stringify(emptyCheckStatus(check));
    this.#loop = new ProbeLoop(
      check,
      () => probeCheck(check, env, cwd, inContainer),
      (status) => {
        const key = JSON.stringify(status);
        if (key !== this.#last) {
          this.#last = key;
          this.events.checkUpdated(status);
        }
        return true;
      },
    );
  }

  stop(): void {
    this.#loop.stop();
  }
}
