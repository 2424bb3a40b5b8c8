// The scheduler-call bench's master, in a process of its own: the calls' client runs in the
// bench process, so the master's CPU per call is its own (the Authorization header a client
// builds and writes is not the master's cost). Flags as JSON in argv[2]; over IPC it sends
// `{ url, id }` once listening, answers "cpu" with its process.cpuUsage(), and stops on "close".
import { pino } from "pino";
import { startMaster } from "../src/master/server.ts";

const master = await startMaster({
  flags: JSON.parse(process.argv[2] ?? "{}") as Record<string, string>,
  logger: pino({ level: "silent" }),
});
process.send?.({ url: master.url, port: master.port, id: master.masterInfo.id });
process.on("message", (m) => {
  if (m === "cpu") process.send?.({ cpu: process.cpuUsage() });
  else if (m === "close") void master.close().then(() => process.exit(0));
});
process.on("disconnect", () => process.exit(0));
