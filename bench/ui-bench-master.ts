// The UI load bench's master, in a process of its own: the bench process holds the fake
// agents' ten thousand streams, and one process holding both ends would pass the machine's
// open-file limit (and share one CPU between the measured master and its load). Prints
// `UI_BENCH_MASTER <url>` once listening; stops when its stdin closes.
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
process.stdin.resume();
process.stdin.on("end", () => void master.close().then(() => process.exit(0)));
