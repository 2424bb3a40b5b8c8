// `tessera thermos-executor`: what the agent runs for a task launched with
// thermosExecutorInfo (src/frameworks/aurora/thermos/executor-info.ts). Not for people: it
// reads the executor environment the agent sets and speaks the v1 executor API.
import { Command } from "commander";

export function thermosExecutorCommand(): Command {
  return new Command("thermos-executor")
    .description(
      "run a Thermos task's processes (started by an agent as a custom executor; reads MESOS_* from the environment)",
    )
    .action(async () => {
      const { runThermosExecutor } = await import("../frameworks/aurora/thermos/executor.ts");
      const code = await runThermosExecutor();
      // Timers of ended health checks or a ZooKeeper socket must not keep the executor alive.
      process.exit(code);
    });
}
