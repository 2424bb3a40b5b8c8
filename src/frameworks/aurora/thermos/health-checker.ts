// Runs the task's health check every `interval_secs` (HTTP GET on the `health` port, else the
// `http` port, expecting `expected_response`; or a shell command exiting 0) and hands each
// result to the HealthGate; tells the task run when it turned healthy or must end.
import { spawn } from "node:child_process";
import { request } from "node:http";
import { HealthGate, type HealthVerdict } from "./health-gate.ts";
import type { HealthCheckConfig, ThermosTask } from "./task-config.ts";
import { renderCmdline } from "./templating.ts";

/** The shortest interval between checks, whatever the config says (0 would spin). */
export const MIN_CHECK_INTERVAL_MS = 100;

/**
 * One plain HTTP call to the task on loopback (node:http, not fetch: fetch's first use loads
 * its library, which on a loaded machine can eat a short timeout by itself).
 */
export function loopbackCall(
  method: "GET" | "POST",
  port: number,
  path: string,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length < 64 * 1024) body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

export type CheckResult = { ok: boolean; detail: string };

/** The port lifecycle and health calls go to: `health`, else `http`. */
export function healthPort(task: ThermosTask): number | undefined {
  return task.ports.health ?? task.ports.http;
}

export async function runCheck(
  config: HealthCheckConfig,
  task: ThermosTask,
  sandbox: string,
  taskId = "",
): Promise<CheckResult> {
  const timeoutMs = Math.max(MIN_CHECK_INTERVAL_MS, config.timeout_secs * 1000);
  const shell = config.health_checker.shell;
  if (shell !== undefined) {
    // Templated as a cmdline is (Aurora's checkers name their ports the same way).
    const rendered = renderCmdline(shell.shell_command, { task, taskId });
    if (!rendered.ok) return { ok: false, detail: rendered.message };
    return shellCheck(rendered.cmdline, sandbox, timeoutMs);
  }
  const http = config.health_checker.http ?? {
    endpoint: "/health",
    expected_response: "ok",
    expected_response_code: 200,
  };
  const port = healthPort(task);
  if (port === undefined) return { ok: false, detail: "the task has no 'health' or 'http' port" };
  const path = http.endpoint.startsWith("/") ? http.endpoint : `/${http.endpoint}`;
  const url = `http://127.0.0.1:${port}${path}`;
  try {
    const res = await loopbackCall("GET", port, path, timeoutMs);
    const body = res.body.trim();
    if (res.status !== http.expected_response_code) {
      return { ok: false, detail: `${url} answered ${res.status}` };
    }
    if (body !== http.expected_response.trim()) {
      return {
        ok: false,
        detail: `${url} answered '${body.slice(0, 100)}', expected '${http.expected_response}'`,
      };
    }
    return { ok: true, detail: "ok" };
  } catch (error) {
    return {
      ok: false,
      detail: `${url}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

function shellCheck(command: string, cwd: string, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", command], { cwd, stdio: "ignore", detached: true });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Gone.
        }
      }
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: String(error) });
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(
        code === 0
          ? { ok: true, detail: "ok" }
          : { ok: false, detail: `'${command}' ended with ${signal ?? `exit code ${code}`}` },
      );
    });
  });
}

export class HealthChecker {
  readonly #config: HealthCheckConfig;
  readonly #gate: HealthGate;
  readonly #check: () => Promise<CheckResult>;
  readonly #onVerdict: (verdict: HealthVerdict) => void;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    config: HealthCheckConfig,
    check: () => Promise<CheckResult>,
    onVerdict: (verdict: HealthVerdict) => void,
  ) {
    this.#config = config;
    this.#gate = new HealthGate(config, Date.now());
    this.#check = check;
    this.#onVerdict = onVerdict;
  }

  get healthy(): boolean {
    return this.#gate.healthy;
  }

  start(): void {
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#once(), delayMs);
  }

  async #once(): Promise<void> {
    const result = await this.#check();
    if (this.#stopped) return;
    const verdict = this.#gate.record(result.ok, result.detail, Date.now());
    if (verdict.kind !== "none") this.#onVerdict(verdict);
    if (verdict.kind === "failed") return;
    this.#schedule(Math.max(MIN_CHECK_INTERVAL_MS, this.#config.interval_secs * 1000));
  }
}
