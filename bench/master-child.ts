// A bench master in a process of its own (started by bench/master-process.ts): the load runs in
// the bench process (or in emulator processes), so the master's CPU is its own. Flags as JSON
// in argv[2]; over IPC it sends `{ url, port, id }` once listening (and leading), answers "cpu"
// with its process.cpuUsage(), "rss" with its resident set size, "allocations" with the
// allocation cycles' times since last asked, and stops on "close".
// "profile-start" / "profile-stop" profile just the window between them (node:inspector),
// written as a .cpuprofile under BENCH_MASTER_PROF, answered { profiled: path }.
//
// BENCH_MASTER_PROBE=1 (the state bench): it also times every allocation cycle (the
// allocator's allocate(), wall-clock start and duration) and its event loop's delay, and
// answers "probe" with what it saw since the last "probe", its memory and the load average.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { pino } from "pino";
import { Allocator } from "../src/allocator/index.ts";
import { ALLOCATION_TIMER_ID, MasterCore } from "../src/master/core/index.ts";
import { startMaster } from "../src/master/server.ts";
import { nowMs } from "./harness.ts";

/** Allocation cycles kept for the next "allocations" answer (the newest). */
const ALLOCATION_SAMPLES_MAX = 10_000;
let allocationMs: number[] = [];
// The allocation cycle's time (the allocator's run and the offers made of it, in the core): the
// bench wraps the core's one input switch, so nothing in src/ measures for it.
const handle = MasterCore.prototype.handle;
MasterCore.prototype.handle = function (this: MasterCore, input, now) {
  if (input.kind !== "timer_fired" || input.timerId !== ALLOCATION_TIMER_ID) {
    return handle.call(this, input, now);
  }
  const start = nowMs();
  const out = handle.call(this, input, now);
  if (allocationMs.length >= ALLOCATION_SAMPLES_MAX) allocationMs.shift();
  allocationMs.push(nowMs() - start);
  return out;
};

/** Allocation cycles seen since the last probe: [epoch ms at start, ms taken]. */
let cycles: [number, number][] = [];
const loop = monitorEventLoopDelay({ resolution: 5 });
if (process.env.BENCH_MASTER_PROBE === "1") {
  const allocate = Allocator.prototype.allocate;
  Allocator.prototype.allocate = function timed(this: Allocator, ...args) {
    const start = performance.now();
    try {
      return allocate.apply(this, args);
    } finally {
      cycles.push([performance.timeOrigin + start, performance.now() - start]);
    }
  };
  loop.enable();
}

const master = await startMaster({
  flags: JSON.parse(process.argv[2] ?? "{}") as Record<string, string>,
  logger: pino({ level: process.env.BENCH_MASTER_LOG ?? "silent" }),
});
let session: Session | undefined;

async function profile(start: boolean): Promise<void> {
  if (start) {
    session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
    process.send?.({ profiling: true });
    return;
  }
  const dir = process.env.BENCH_MASTER_PROF;
  const result = await session?.post("Profiler.stop");
  session?.disconnect();
  session = undefined;
  const path = join(dir ?? ".", `master-${process.pid}-${Date.now()}.cpuprofile`);
  if (dir !== undefined && result !== undefined)
    writeFileSync(path, JSON.stringify(result.profile));
  process.send?.({ profiled: path });
}

process.send?.({ url: master.url, port: master.port, id: master.masterInfo.id });
process.on("message", (m) => {
  if (m === "cpu") process.send?.({ cpu: process.cpuUsage() });
  else if (m === "rss") process.send?.({ rss: process.memoryUsage().rss });
  else if (m === "allocations") {
    process.send?.({ allocationMs });
    allocationMs = [];
  } else if (m === "profile-start") void profile(true);
  else if (m === "profile-stop") void profile(false);
  else if (m === "probe") {
    const memory = process.memoryUsage();
    process.send?.({
      probe: {
        cycles,
        loopDelayP99Ms: loop.percentile(99) / 1e6,
        loopDelayMaxMs: loop.max / 1e6,
        heapUsedMb: memory.heapUsed / 2 ** 20,
        rssMb: memory.rss / 2 ** 20,
        loadavg: loadavg(),
      },
    });
    cycles = [];
    loop.reset();
  } else if (m === "close") void master.close().then(() => process.exit(0));
});
process.on("disconnect", () => process.exit(0));
