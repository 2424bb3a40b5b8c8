// One daemon of the agent benchmark's cluster, in its own process as in a deployment: a
// master or an agent (argv[2]), started with the flags in argv[3] (JSON). It tells its parent
// its URL over the IPC channel, answers memory readings ({type: "memory"} -> heap and RSS),
// and stops on {type: "close"}.
import { pino } from "pino";
import { startAgent } from "../src/agent/server.ts";
import { startMaster } from "../src/master/server.ts";

const [role, flagsJson] = process.argv.slice(2);
const flags = JSON.parse(flagsJson ?? "{}") as Record<string, string>;
const logger = pino({ level: process.env.BENCH_LOG ?? "silent" });
const send = (m: unknown) => process.send?.(m);

const daemon =
  role === "master"
    ? await startMaster({ flags, logger })
    : role === "agent"
      ? await startAgent({ flags, logger })
      : undefined;
if (daemon === undefined) throw new Error(`unknown role ${role}`);

process.on("message", async (m: { type: string }) => {
  if (m.type === "memory") {
    // Live objects only: the reading should not depend on when the last GC ran.
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    send({ type: "memory", heapUsed: usage.heapUsed, rss: usage.rss });
  } else if (m.type === "close") {
    await daemon.close();
    send({ type: "closed" });
    process.exit(0);
  }
});
send({ type: "ready", url: "url" in daemon ? daemon.url : "" });
