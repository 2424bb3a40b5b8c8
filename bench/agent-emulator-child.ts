// One agent emulator process (bench/agent-emulator.ts), driven over IPC by a bench: a process
// holds at most as many agents as its open-file limit allows (one socket per agent stream), so
// a bench starts as many as it needs (bench/emulator-process.ts). Options as JSON in argv[2].
//   in:  { cmd: "register", master? }  every agent (re-)registers (with `master`, a new leader)
//        { cmd: "adopt", frameworks, tasksPerAgent }  each agent takes tasks "launched before"
//        { cmd: "stats" }  answered { kind: "stats", ... }
//        { cmd: "close" }
//   out: { kind: "ready" }, { kind: "round", round } once every agent of the round subscribed
import { setCallPoolMaxSockets } from "../src/http/client.ts";
import type { FrameworkInfo } from "../src/wire/framework.ts";
import { AgentEmulator, type EmulatorOptions } from "./agent-emulator.ts";

/**
 * Keep-alive connections this process's agents share for their calls (PONG, status updates):
 * a real agent has its own; the master's open-file headroom (bench/file-limit.ts) bounds them.
 */
const CALL_SOCKETS_PER_PROCESS = Number(process.env.EMULATOR_CALL_SOCKETS ?? 128);
setCallPoolMaxSockets(CALL_SOCKETS_PER_PROCESS);

type Command =
  | { cmd: "register"; master?: string }
  | { cmd: "adopt"; frameworks: FrameworkInfo[]; tasksPerAgent: number; role: string }
  | { cmd: "stats" }
  | { cmd: "close" };

const options = JSON.parse(process.argv[2] ?? "{}") as EmulatorOptions;
const emulator = new AgentEmulator(options);
let reported = true;
emulator.onSubscribed = () => {
  if (!reported && emulator.round.subscribed === emulator.agents.length) {
    reported = true;
    process.send?.({ kind: "round", round: emulator.round });
  }
};

process.on("message", (m: Command) => {
  switch (m.cmd) {
    case "register":
      reported = false;
      emulator.register(m.master);
      return;
    case "adopt":
      emulator.adoptTasks(m.frameworks, m.tasksPerAgent, m.role);
      process.send?.({ kind: "adopted", tasks: emulator.tasks });
      return;
    case "stats":
      process.send?.({
        kind: "stats",
        tasks: emulator.tasks,
        pingTimeouts: emulator.pingTimeouts,
        registered: emulator.agents.filter((a) => a.registered).length,
        cpu: process.cpuUsage(),
        rss: process.memoryUsage().rss,
      });
      return;
    case "close":
      emulator.close();
      process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
process.send?.({ kind: "ready" });
