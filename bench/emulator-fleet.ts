// The agent emulator processes of one bench (bench/agent-emulator-child.ts), driven together:
// `agents` split over as many processes as the open-file limit needs (or `processes`, if more).
import type { ChildProcess } from "node:child_process";
import type { FrameworkInfo } from "../src/wire/framework.ts";
import type { EmulatorOptions, RegistrationRound } from "./agent-emulator.ts";
import { forkWithFileLimit, streamsPerProcess } from "./file-limit.ts";

export interface FleetStats {
  tasks: number;
  registered: number;
  pingTimeouts: number;
  cpuMs: number;
  rssBytes: number;
}

export class EmulatorFleet {
  readonly #children: ChildProcess[] = [];

  private constructor(children: ChildProcess[]) {
    this.#children = children;
  }

  /** Starts the processes; `options.agents` is the fleet's total. */
  static async start(
    options: Omit<EmulatorOptions, "firstIndex">,
    processes = 1,
  ): Promise<EmulatorFleet> {
    const count = Math.max(processes, Math.ceil(options.agents / streamsPerProcess()));
    const children: ChildProcess[] = [];
    let first = 0;
    for (let i = 0; i < count; i++) {
      const agents = Math.floor(options.agents / count) + (i < options.agents % count ? 1 : 0);
      const child = forkWithFileLimit(
        new URL("./agent-emulator-child.ts", import.meta.url).pathname,
        [JSON.stringify({ ...options, agents, firstIndex: first })],
        ["--max-old-space-size=4096"],
      );
      first += agents;
      children.push(child);
    }
    const fleet = new EmulatorFleet(children);
    await fleet.#all<unknown>(undefined, "ready");
    return fleet;
  }

  get processes(): number {
    return this.#children.length;
  }

  /** Sends `command` (if any) to every process and waits for each one's `kind` message. */
  #all<T>(command: unknown, kind: string): Promise<T[]> {
    return Promise.all(
      this.#children.map(
        (child) =>
          new Promise<T>((resolve, reject) => {
            const onMessage = (m: { kind: string }) => {
              if (m.kind !== kind) return;
              child.off("message", onMessage);
              child.off("exit", onExit);
              resolve(m as T);
            };
            const onExit = (code: number | null) =>
              reject(new Error(`an agent emulator exited (${code})`));
            child.on("message", onMessage);
            child.once("exit", onExit);
            if (command !== undefined) child.send(command as never);
          }),
      ),
    );
  }

  /** Every agent (re-)registers; resolves with the merged round once all have SUBSCRIBED. */
  async register(master?: string): Promise<RegistrationRound> {
    const rounds = await this.#all<{ round: RegistrationRound }>(
      { cmd: "register", ...(master === undefined ? {} : { master }) },
      "round",
    );
    const merged: RegistrationRound = {
      subscribed: 0,
      tasksCarried: 0,
      failedAttempts: 0,
      agentsRetried: 0,
      subscribedAtMs: [],
    };
    for (const { round } of rounds) {
      merged.subscribed += round.subscribed;
      merged.tasksCarried += round.tasksCarried;
      merged.failedAttempts += round.failedAttempts;
      merged.agentsRetried += round.agentsRetried;
      merged.subscribedAtMs.push(...round.subscribedAtMs);
    }
    return merged;
  }

  /** Each agent takes `tasksPerAgent` running tasks of these frameworks; resolves with the total. */
  async adopt(frameworks: FrameworkInfo[], tasksPerAgent: number, role: string): Promise<number> {
    const answers = await this.#all<{ tasks: number }>(
      { cmd: "adopt", frameworks, tasksPerAgent, role },
      "adopted",
    );
    return answers.reduce((sum, a) => sum + a.tasks, 0);
  }

  async stats(): Promise<FleetStats> {
    const answers = await this.#all<{
      tasks: number;
      registered: number;
      pingTimeouts: number;
      cpu: NodeJS.CpuUsage;
      rss: number;
    }>({ cmd: "stats" }, "stats");
    const sum = { tasks: 0, registered: 0, pingTimeouts: 0, cpuMs: 0, rssBytes: 0 };
    for (const a of answers) {
      sum.tasks += a.tasks;
      sum.registered += a.registered;
      sum.pingTimeouts += a.pingTimeouts;
      sum.cpuMs += (a.cpu.user + a.cpu.system) / 1000;
      sum.rssBytes += a.rss;
    }
    return sum;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#children.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.send({ cmd: "close" });
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        return exited.then(() => clearTimeout(timer));
      }),
    );
  }
}
