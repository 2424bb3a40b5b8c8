// The UI load bench's master, in a process of its own: the bench process holds the fake
// agents' ten thousand streams, and one process holding both ends would pass the machine's
// open-file limit (and share one CPU between the measured master and its load). Prints
// `UI_BENCH_MASTER <url>` once listening; stops when its stdin closes.
// With UI_BENCH_PROF=DIR, the stdin lines "profile-start" and "profile-stop" profile the
// window between them (node:inspector; the bench sends them around the overview's first
// render), written as a .cpuprofile under DIR (bench/cpu-profile-summary.ts reads it).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { pino } from "pino";
import { startMaster } from "../src/master/server.ts";

const master = await startMaster({
  flags: {
    registry: "in_memory",
    port: "0",
    ip: "127.0.0.1",
    // The fake agents answer pings, but ten thousand pongs every 15 s are load the UI never
    // sees; the bench is about the UI's event stream.
    agent_ping_timeout: "10mins",
  },
  logger: pino({ level: "warn" }),
});
console.log(`UI_BENCH_MASTER ${master.url}`);

let session: Session | undefined;
async function profile(line: string): Promise<void> {
  const dir = process.env.UI_BENCH_PROF;
  if (dir === undefined) return;
  if (line === "profile-start" && session === undefined) {
    session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  } else if (line === "profile-stop" && session !== undefined) {
    const { profile: p } = await session.post("Profiler.stop");
    session.disconnect();
    session = undefined;
    writeFileSync(join(dir, `ui-master-${process.pid}.cpuprofile`), JSON.stringify(p));
  }
}

process.stdin.setEncoding("utf8");
process.stdin.on("data", (text: string) => {
  for (const line of text.split("\n")) void profile(line.trim());
});
process.stdin.on("end", () => void master.close().then(() => process.exit(0)));
