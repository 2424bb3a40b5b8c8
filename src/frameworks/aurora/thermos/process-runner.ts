// The executor's hands: forks each process run as `bash -c <cmdline>` in the sandbox, in its
// own process group (so a signal reaches everything the cmdline started), with its output in
// Thermos's layout `.logs/<process>/<run>/stdout|stderr` (runs counted from 0), and reports
// starts and exits back as core inputs.
//
// Its own group but the executor's session: a posix container is its executor's session, so
// the agent still counts the processes' memory and kills them with the container. Node has no
// setpgid, so Debian's always-present perl makes the group and execs bash (same pid);
// without perl, `detached` (setsid) is the fallback, which leaves the session.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import type { ThermosInput } from "./thermos-core.ts";

type RunEvent = Extract<ThermosInput, { kind: "started" | "exited" | "spawn_failed" }>;

/** The log directory of run `run` (1-based, as the core counts) of `process`. */
export function runLogDir(sandbox: string, process: string, run: number): string {
  return join(sandbox, ".logs", process, String(run - 1));
}

const PERL = "/usr/bin/perl";
const OWN_GROUP = "setpgrp(0, 0) or die $!; exec @ARGV or die $!";

function forkArgs(cmdline: string): { file: string; args: string[]; detached: boolean } {
  if (existsSync(PERL))
    return { file: PERL, args: ["-e", OWN_GROUP, "bash", "-c", cmdline], detached: false };
  return { file: "bash", args: ["-c", cmdline], detached: true };
}

export class ProcessRunner {
  readonly #sandbox: string;
  readonly #onEvent: (event: RunEvent) => void;
  readonly #children = new Map<string, ChildProcess>();

  constructor(sandbox: string, onEvent: (event: RunEvent) => void) {
    this.#sandbox = sandbox;
    this.#onEvent = onEvent;
  }

  spawn(process: string, run: number, cmdline: string): void {
    const key = `${process}/${run}`;
    let child: ChildProcess;
    try {
      const dir = runLogDir(this.#sandbox, process, run);
      mkdirSync(dir, { recursive: true });
      const out = openSync(join(dir, "stdout"), "a");
      const err = openSync(join(dir, "stderr"), "a");
      try {
        const { file, args, detached } = forkArgs(cmdline);
        child = spawn(file, args, { cwd: this.#sandbox, detached, stdio: ["ignore", out, err] });
      } finally {
        closeSync(out);
        closeSync(err);
      }
    } catch (error) {
      this.#later({ kind: "spawn_failed", process, run, message: String(error) });
      return;
    }
    this.#children.set(key, child);
    child.once("error", (error) => {
      this.#children.delete(key);
      this.#onEvent({ kind: "spawn_failed", process, run, message: String(error) });
    });
    child.once("exit", (exitCode, signal) => {
      this.#children.delete(key);
      // What the cmdline left behind in its group goes with it, as Thermos kills the tree.
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
      this.#onEvent({ kind: "exited", process, run, exitCode, signal });
    });
    if (child.pid !== undefined) this.#later({ kind: "started", process, run, pid: child.pid });
  }

  signal(process: string, run: number, signal: NodeJS.Signals): void {
    const pid = this.#children.get(`${process}/${run}`)?.pid;
    if (pid !== undefined) signalGroup(pid, signal);
  }

  /** SIGKILLs every group still running (the executor itself is going away). */
  killAll(): void {
    for (const child of this.#children.values()) {
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
    }
  }

  // Reported after the current core step returns, never from inside it.
  #later(event: RunEvent): void {
    setImmediate(() => this.#onEvent(event));
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}
