// A bench master in a process of its own (started by bench/master-process.ts): the load runs in
// the bench process (or in emulator processes), so the master's CPU is its own. Flags as JSON
// in argv[2]; over IPC it sends `{ url, port, id }` once listening (and leading), answers "cpu"
// with its process.cpuUsage() and "rss" with its resident set size, and stops on "close".
// "profile-start" / "profile-stop" profile just the window between them (node:inspector),
// written as a .cpuprofile under BENCH_MASTER_PROF, answered { profiled: path }.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { pino } from "pino";
import { startMaster } from "../src/master/server.ts";

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
  else if (m === "profile-start") void profile(true);
  else if (m === "profile-stop") void profile(false);
  else if (m === "close") void master.close().then(() => process.exit(0));
});
process.on("disconnect", () => process.exit(0));
