// A fake shell around ThermosCore for its unit tests: a virtual clock, processes that "run"
// until the test ends them, every output recorded, and `wake` fed whenever the clock passes
// the time the core asked for.

import { ThermosTask } from "../../../../src/frameworks/aurora/thermos/task-config.ts";
import {
  ThermosCore,
  type ThermosOutput,
} from "../../../../src/frameworks/aurora/thermos/thermos-core.ts";

export type Spawn = Extract<ThermosOutput, { kind: "spawn" }>;

export class CoreHarness {
  readonly core: ThermosCore;
  nowMs = 1_000_000;
  readonly outputs: (ThermosOutput & { atMs: number })[] = [];
  /** Runs forked and not ended, by "process/run". */
  readonly live = new Map<string, Spawn>();
  #wakeAtMs: number | undefined;
  #pid = 100;

  constructor(task: unknown) {
    this.core = new ThermosCore(ThermosTask.parse(task));
  }

  feed(input: Parameters<ThermosCore["handle"]>[0]): ThermosOutput[] {
    const out = this.core.handle(input, this.nowMs);
    for (const o of out) {
      this.outputs.push({ ...o, atMs: this.nowMs });
      if (o.kind === "spawn") this.live.set(`${o.process}/${o.run}`, o);
      if (o.kind === "wake_at") this.#wakeAtMs = o.atMs;
    }
    // The shell reports each fork right away.
    for (const o of out) {
      if (o.kind === "spawn")
        this.feed({ kind: "started", process: o.process, run: o.run, pid: this.#pid++ });
    }
    return out;
  }

  start(): void {
    this.feed({ kind: "start" });
  }

  /** Moves the clock, firing the core's wake-up on the way when one is due. */
  advance(ms: number): void {
    const until = this.nowMs + ms;
    while (this.#wakeAtMs !== undefined && this.#wakeAtMs <= until) {
      this.nowMs = Math.max(this.nowMs, this.#wakeAtMs);
      this.#wakeAtMs = undefined;
      this.feed({ kind: "wake" });
    }
    this.nowMs = until;
  }

  exit(process: string, exitCode: number | null, signal: string | null = null): void {
    const run = [...this.live.values()].find((s) => s.process === process);
    if (run === undefined) throw new Error(`${process} is not running`);
    this.live.delete(`${process}/${run.run}`);
    this.feed({ kind: "exited", process, run: run.run, exitCode, signal });
  }

  /** Ends every run the core signalled, as a process honouring its signal does. */
  obeySignals(): void {
    for (const o of this.outputs) {
      if (o.kind !== "signal") continue;
      const key = `${o.process}/${o.run}`;
      if (this.live.has(key)) {
        this.live.delete(key);
        this.feed({
          kind: "exited",
          process: o.process,
          run: o.run,
          exitCode: null,
          signal: o.signal,
        });
      }
    }
  }

  spawns(): (Spawn & { atMs: number })[] {
    return this.outputs.filter((o): o is Spawn & { atMs: number } => o.kind === "spawn");
  }

  /** The task's end, without the time it was recorded at. */
  finished(): Extract<ThermosOutput, { kind: "finished" }> | undefined {
    const found = this.outputs.find((o) => o.kind === "finished");
    if (found?.kind !== "finished") return undefined;
    return { kind: "finished", outcome: found.outcome, message: found.message };
  }

  running(): string[] {
    return [...this.live.values()].map((s) => s.process);
  }
}

export function proc<E extends object>(name: string, extra?: E) {
  return { name, cmdline: `run ${name}`, min_duration: 0, ...extra } as {
    name: string;
    cmdline: string;
    min_duration: number;
  } & Partial<E>;
}
