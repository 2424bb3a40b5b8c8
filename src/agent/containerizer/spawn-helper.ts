// Starts containers' first processes from a small launcher process instead of the agent's.
//
// Why: spawn() forks the calling process, and fork copies its page tables, so its cost grows
// with the caller's memory; the agent (with a master beside it in `tessera dev` and the bench)
// holds hundreds of MB. Measured on this machine under load: spawn of `true` blocked a 365 MB
// Node process ~93 ms, a 50 MB one ~25 ms. The launcher forks from a small process, on the
// other core, while the agent's event loop goes on; the agent pays one pipe write per launch.
// Mesos has the same split (the agent asks a launcher to fork).
//
// Two launchers speak through this class (a LauncherDialect each): the native one
// (native-launcher.ts, a small C program, used wherever it can be built) and, as a fallback,
// the Node helper below. The helper's protocol: one JSON object per line each way. Request
// {id, file, args, argv0, cwd, env, stdout, stderr}; replies {id, pid} or {id, error}, later
// {id, code, signal} when the process ends (the launcher is its parent and reaps it).
// Processes are detached (own session and process group), so they outlive the launcher: when
// the agent dies the launcher sees its stdin close (a request it reads after its parent is gone
// is refused: the next agent would not know of it); with an exit log it stays to reap them and
// logs their ends (nodeHelperDialect), else it exits, leaving the containers running for the
// next agent to recover by pid. If the launcher itself dies, the ends of the
// processes it started can no longer be collected: they are reported `lost` and the caller
// watches their pids.
import { type ChildProcess, spawn } from "node:child_process";
import type { Socket } from "node:net";
import { createInterface } from "node:readline";
import type { LaunchPlan } from "./launcher.ts";

// Plain JavaScript run by `node -e`: no loader, no imports beyond node's own, so the helper
// stays small (its size is what every fork copies).
const HELPER_SOURCE = `
const { spawn } = require("node:child_process");
const { appendFileSync, openSync, closeSync } = require("node:fs");
const { constants } = require("node:os");
const exitLog = process.argv[1];
let agentGone = false;
let live = 0;
process.stdout.on("error", () => {});
const reply = (m) => { if (!agentGone) process.stdout.write(JSON.stringify(m) + "\\n"); };
// Lines a full disk refused are retried in order until they land (bounded, as in launcher.c);
// a retry starts on a new line, so a fragment a failed append left is a line of its own.
let pending = [];
let retry = null;
let tries = 0;
const done = () => agentGone && live === 0 && pending.length === 0;
const flush = () => {
  while (pending.length > 0) {
    try { appendFileSync(exitLog, "\\n" + pending[0] + "\\n"); } catch (e) {
      if (++tries < 6000) return;
      pending = [];
      break;
    }
    pending.shift();
  }
  clearInterval(retry);
  retry = null;
  tries = 0;
  if (done()) process.exit(0);
};
const log = (line) => {
  if (exitLog === undefined) return;
  if (pending.length === 0) {
    try { return appendFileSync(exitLog, line + "\\n"); } catch (e) {}
  }
  if (pending.length < 1000) pending.push(line);
  retry ??= setInterval(flush, 100);
};
const agent = process.ppid;
const lines = require("node:readline").createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const r = JSON.parse(line);
  if (process.ppid !== agent) return reply({ id: r.id, error: "the agent that asked for it is gone" });
  let out = null, err = null;
  try {
    out = openSync(r.stdout, "a");
    err = openSync(r.stderr, "a");
    const child = spawn(r.file, r.args, {
      cwd: r.cwd, env: r.env, detached: true, stdio: ["ignore", out, err],
      argv0: r.argv0 === null ? undefined : r.argv0,
    });
    if (child.pid === undefined) {
      child.on("error", () => {});
      reply({ id: r.id, error: "cannot start '" + r.file + "' in " + r.cwd });
    } else {
      live++;
      if (r.name) log("S " + r.name + " " + child.pid);
      reply({ id: r.id, pid: child.pid });
      child.on("exit", (code, signal) => {
        live--;
        if (r.name) log("X " + r.name + " " + (code === null ? -1 : code) + " " + (signal === null ? 0 : constants.signals[signal]));
        reply({ id: r.id, code, signal });
        if (done()) process.exit(0);
      });
    }
  } catch (e) {
    reply({ id: r.id, error: e.message });
  } finally {
    if (out !== null) closeSync(out);
    if (err !== null) closeSync(err);
  }
});
lines.on("close", () => {
  agentGone = true;
  if (exitLog === undefined || done()) process.exit(0);
});
`;

export interface HelperSpawnRequest {
  /** The container id, for the exit log's lines (none: not logged). */
  readonly name?: string;
  readonly plan: LaunchPlan;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stdoutPath: string;
  readonly stderrPath: string;
}

/** How a launcher process is started and spoken to: the Node helper here, or the native
 *  launcher (native-launcher.ts). */
export interface LauncherDialect<Request> {
  readonly file: string;
  readonly args: readonly string[];
  /** The bytes that ask for `request` to be started under `id`. */
  encode(id: number, request: Request): string | Buffer;
  /** One line of the launcher's output; null for a line that is not a reply. */
  decode(line: string): Reply | null;
}

/**
 * The Node helper's dialect. With `exitLog` (exit-log.ts) it appends each named container's
 * start and end there, as the native launcher does, and once the agent is gone it stays to
 * reap what it started (writing their ends) instead of exiting; without, it exits with the
 * agent and the ends of its containers are unknown to the next agent.
 */
export function nodeHelperDialect(exitLog: string | null): LauncherDialect<HelperSpawnRequest> {
  return {
    ...NODE_HELPER_DIALECT,
    args: exitLog === null ? ["-e", HELPER_SOURCE] : ["-e", HELPER_SOURCE, exitLog],
  };
}

export const NODE_HELPER_DIALECT: LauncherDialect<HelperSpawnRequest> = {
  file: process.execPath,
  args: ["-e", HELPER_SOURCE],
  encode: (id, request) =>
    `${JSON.stringify({
      id,
      name: request.name ?? null,
      file: request.plan.file,
      args: request.plan.args,
      argv0: request.plan.argv0 ?? null,
      cwd: request.cwd,
      env: request.env,
      stdout: request.stdoutPath,
      stderr: request.stderrPath,
    })}\n`,
  decode: (line) => JSON.parse(line) as Reply,
};

/** How a helper-started process ended: its status, or `lost` when the helper died first. */
export type HelperExit =
  | { readonly lost: false; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly lost: true };

export type HelperSpawnResult =
  | { readonly ok: true; readonly pid: number; readonly exit: Promise<HelperExit> }
  | { readonly ok: false; readonly message: string };

interface Pending {
  started: ((r: HelperSpawnResult) => void) | undefined;
  ended: (e: HelperExit) => void;
  exit: Promise<HelperExit>;
}

export interface Reply {
  id: number;
  pid?: number;
  error?: string;
  code?: number | null;
  signal?: NodeJS.Signals | null;
}

export class SpawnHelper<Request = HelperSpawnRequest> {
  constructor(private readonly dialect: LauncherDialect<Request>) {}

  #child: ChildProcess | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #closed = false;

  /** Asks the helper to start `request`; resolves once it has a pid (or failed). */
  spawn(request: Request): Promise<HelperSpawnResult> {
    if (this.#closed) return Promise.resolve({ ok: false, message: "the launcher is closed" });
    const id = this.#nextId++;
    let bytes: string | Buffer;
    try {
      bytes = this.dialect.encode(id, request);
    } catch (e) {
      return Promise.resolve({ ok: false, message: (e as Error).message });
    }
    const child = this.#ensure();
    let ended!: (e: HelperExit) => void;
    const exit = new Promise<HelperExit>((resolve) => {
      ended = resolve;
    });
    return new Promise((resolve) => {
      this.#pending.set(id, { started: resolve, ended, exit });
      this.#updateRef();
      child.stdin?.write(bytes);
    });
  }

  /** Ends the helper; the processes it started keep running and nothing more is reported. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending.clear();
    this.#child?.stdin?.end();
    this.#updateRef();
  }

  #ensure(): ChildProcess {
    if (this.#child !== undefined) return this.#child;
    const child = spawn(this.dialect.file, [...this.dialect.args], {
      stdio: ["pipe", "pipe", "inherit"],
      env: {},
    });
    this.#child = child;
    child.stdin?.on("error", () => {});
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      const reply = this.dialect.decode(line);
      if (reply !== null) this.#reply(reply);
    });
    child.once("exit", () => {
      if (this.#child === child) this.#child = undefined;
      this.#helperGone();
    });
    child.once("error", () => {
      if (this.#child === child) this.#child = undefined;
      this.#helperGone();
    });
    return child;
  }

  #reply(r: Reply): void {
    const pending = this.#pending.get(r.id);
    if (pending === undefined) return;
    if (pending.started !== undefined) {
      const started = pending.started;
      pending.started = undefined;
      if (r.pid === undefined) {
        this.#pending.delete(r.id);
        this.#updateRef();
        started({ ok: false, message: r.error ?? "the launcher could not start the process" });
      } else {
        started({ ok: true, pid: r.pid, exit: pending.exit });
      }
      return;
    }
    this.#pending.delete(r.id);
    this.#updateRef();
    pending.ended({ lost: false, code: r.code ?? null, signal: r.signal ?? null });
  }

  /** Like a ChildProcess, the helper keeps the agent's process alive only while something it
   *  started is running (or starting). */
  #updateRef(): void {
    const child = this.#child;
    if (child === undefined) return;
    const busy = this.#pending.size > 0 && !this.#closed;
    for (const handle of [child, child.stdin as Socket | null, child.stdout as Socket | null]) {
      if (busy) handle?.ref();
      else handle?.unref();
    }
  }

  /** The helper is gone: nothing more will be reported for what it started. */
  #helperGone(): void {
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      if (pending.started !== undefined) {
        pending.started({ ok: false, message: "the launcher exited" });
      }
      pending.ended({ lost: true });
    }
  }
}
