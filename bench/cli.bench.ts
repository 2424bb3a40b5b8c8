// CLI start-up, as a user meets it: wall time of `tessera version` and of `tessera tasks`
// against a real master, each a fresh process through bin/tessera.mjs, next to `node -e 0`
// (Node's own start-up on this machine, the floor) measured in the same run. The compiled
// dist/ is what the command runs; the suite builds it first from the sources as they are.
import { execFile, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pino from "pino";
import { startMaster } from "../src/master/server.ts";
import { type BenchRow, type BenchSuite, nowMs, summarise } from "./harness.ts";

const RUNS = 10;
const root = fileURLToPath(new URL("..", import.meta.url));
const BIN = `${root}bin/tessera.mjs`;
const TARGETS_MS: Record<string, number> = { version: 150, tasks: 300 };

const run = promisify(execFile);

// Asynchronous: the master the `tasks` rows talk to runs in this process.
async function medianWallMs(args: readonly string[]): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const start = nowMs();
    await run(process.execPath, args);
    if (i > 0) samples.push(nowMs() - start); // the first run warms the page cache
  }
  return summarise(samples).medianMs;
}

/** Builds dist/ from the sources as they are, so the rows measure this tree's code. */
function build(): void {
  execFileSync(process.execPath, [`${root}scripts/build.mjs`], { stdio: "pipe" });
}

export const suite: BenchSuite = {
  name: "cli",
  description: "CLI start-up: `tessera version` and `tessera tasks` (real master) vs `node -e 0`",
  async run(): Promise<BenchRow[]> {
    build();
    const floor = await medianWallMs(["-e", "0"]);
    const master = await startMaster({
      flags: { registry: "in_memory", port: "0", ip: "127.0.0.1" },
      logger: pino({ level: "silent" }),
    });
    try {
      const rows: BenchRow[] = [{ name: "node -e 0 (floor)", value: floor, unit: "ms" }];
      for (const [command, args] of [
        ["version", [BIN, "version"]],
        ["tasks", [BIN, "tasks", "--master", master.url]],
      ] as const) {
        const value = await medianWallMs(args);
        const target = TARGETS_MS[command]!;
        rows.push({
          name: `tessera ${command}`,
          value,
          unit: "ms",
          target: `< ${target}`,
          met: value < target,
          x_floor: Math.round((value / floor) * 10) / 10,
        });
      }
      return rows;
    } finally {
      await master.close();
    }
  },
};
