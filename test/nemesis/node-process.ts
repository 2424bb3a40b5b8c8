// One process of the nemesis cluster (a ZooKeeper server, a master, an agent), run inside its
// node's network namespace through `nsenter --net` (which execs, so the child's pid is the
// server's own), with its output appended to a log file. The nemesis kills it (-9), pauses
// and resumes it (SIGSTOP/SIGCONT), and restarts it with the same command line; every pid
// ever started is remembered so that teardown can end whatever is left, by pid.
import { type ChildProcess, spawn } from "node:child_process";
import { openSync } from "node:fs";

/** Every child this process started and that has not exited: killed if the harness dies. */
const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) if (child.pid !== undefined) safeKill(child.pid, "SIGKILL");
});

export function safeKill(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export type NodeRole = "zk" | "master" | "agent";

export class NodeProcess {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #paused = false;
  /** Kills, pauses and restarts done to this node (the run's fault counts read them). */
  starts = 0;

  constructor(
    readonly name: string,
    readonly role: NodeRole,
    readonly ip: string,
    readonly netnsPath: string,
    readonly argv: readonly string[],
    readonly logFile: string,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Set by teardown: nothing starts this node again (a fault's restart may still be due). */
  closed = false;

  start(): void {
    if (this.running || this.closed) return;
    const out = openSync(this.logFile, "a");
    const [file, ...args] = this.argv as [string, ...string[]];
    const child = spawn("nsenter", [`--net=${this.netnsPath}`, "--", file, ...args], {
      stdio: ["ignore", out, out],
      env: this.env,
    });
    live.add(child);
    this.#exited = new Promise((resolve) =>
      child.once("exit", () => {
        live.delete(child);
        resolve();
      }),
    );
    this.#child = child;
    this.#paused = false;
    this.starts++;
  }

  /**
   * Kept down by the nemesis (a kill not yet undone): the supervisor leaves it alone until
   * `revive()`. A node that exits on its own (a master that lost ZooKeeper stops, as Mesos's
   * does) is not held: the supervisor starts it again, as systemd would.
   */
  held = false;

  /** kill -9, and wait for the exit; the node stays down (held) until `revive()`. */
  async kill(): Promise<void> {
    this.held = true;
    const pid = this.#child?.pid;
    if (this.running && pid !== undefined) {
      safeKill(pid, "SIGCONT");
      safeKill(pid, "SIGKILL");
    }
    this.#paused = false;
    await this.#exited;
  }

  pause(): void {
    const pid = this.#child?.pid;
    if (this.running && pid !== undefined && safeKill(pid, "SIGSTOP")) this.#paused = true;
  }

  resume(): void {
    const pid = this.#child?.pid;
    if (pid !== undefined) safeKill(pid, "SIGCONT");
    this.#paused = false;
  }

  /** Resumed if paused, started if dead: the node as the healed cluster wants it. */
  revive(): void {
    this.held = false;
    if (this.#paused) this.resume();
    if (!this.running) this.start();
  }
}
