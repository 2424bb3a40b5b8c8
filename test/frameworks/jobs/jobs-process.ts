// Starting the jobs framework as a child process (test/fixtures/jobs/jobs-process.ts) and
// talking to its API, for the integration tests on a real cluster.
import { type ChildProcess, spawn } from "node:child_process";
import type { StartJobsOptions } from "../../../src/frameworks/jobs/start.ts";
import { watchOutput } from "../../support/eventually.ts";

const SCRIPT = new URL("../../fixtures/jobs/jobs-process.ts", import.meta.url).pathname;

export interface JobsProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  kill9(): Promise<void>;
}

export async function spawnJobs(options: StartJobsOptions): Promise<JobsProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const output = watchOutput(child);
  const url = await output.until(
    "the jobs framework to listen",
    (out) => /jobs listening on (http:\/\/\S+)/.exec(out)?.[1],
    60_000,
  );
  return {
    child,
    url,
    output: output.text,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
        process.kill(child.pid, "SIGKILL");
      await exited;
    },
  };
}

export type Json = Record<string, unknown>;

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // a text answer
  }
  return { status: res.status, body: parsed, text };
}

export interface RunJson {
  runId: string;
  due: string;
  started: string;
  ended: string;
  state: string;
  attempt: number;
  taskId: string;
  exitCode: number | null;
  sandbox: string;
  trigger: string;
}

export async function history(base: string, job: string): Promise<RunJson[]> {
  const res = await call(base, "GET", `/v1/scheduler/job/${job}/history`);
  return res.status === 200 ? ((res.body as { runs: RunJson[] }).runs ?? []) : [];
}
