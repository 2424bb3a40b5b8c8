// The scheduler-call bench's master, in a process of its own: the calls' client runs in the
// bench process, so the master's CPU per call is its own (the Authorization header a client
// builds and writes is not the master's cost). Flags as JSON in argv[2]; over IPC it sends
// `{ url, id }` once listening, answers "cpu" with its process.cpuUsage(), and stops on "close".
//
// BENCH_MASTER_PROBE=1 (the state bench): it also times every allocation cycle (the
// allocator's allocate(), wall-clock start and duration) and its event loop's delay, and
// answers "probe" with what it saw since the last "probe", its memory and the load average.
import { loadavg } from "node:os";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { pino } from "pino";
import { Allocator } from "../src/allocator/index.ts";
import { startMaster } from "../src/master/server.ts";

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
  logger: pino({ level: "silent" }),
});
process.send?.({ url: master.url, port: master.port, id: master.masterInfo.id });
process.on("message", (m) => {
  if (m === "cpu") process.send?.({ cpu: process.cpuUsage() });
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
