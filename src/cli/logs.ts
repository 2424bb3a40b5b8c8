// `tessera logs TASK [-f] [--stderr]`: a task's sandbox stdout (or stderr) from its agent, like
// `mesos tail`. The master's state names the task's agent and framework; the agent's /state
// names the sandbox; /files/read is polled from an offset. With -f it keeps following until the
// task is terminal, then prints what is left and exits.
import type { Command } from "commander";
import type { TaskState } from "../wire/status.ts";
import { CliError } from "./cli-error.ts";
import { agentUrl, clusterState, findTask } from "./cluster-views.ts";
import { connect, type MasterOptions, operatorCommand, runAction } from "./command-kit.ts";
import { FileTail, findSandbox, POLL_INTERVAL_MS } from "./sandbox.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function logsCommand(): Command {
  return operatorCommand("logs", "print a task's output from its sandbox (stdout; --stderr)")
    .argument("<task>", "task id (see `tessera tasks --all`)")
    .option("-f, --follow", "keep printing new output until the task ends")
    .option("--stderr", "print the task's stderr instead of its stdout")
    .action(
      runAction(
        async (taskId: string, opts: MasterOptions & { follow?: boolean; stderr?: boolean }) => {
          const { isTerminalState } = await import("../wire/status.ts");
          const master = await connect(opts);
          const found = findTask(await clusterState(master), taskId);
          if (found.agent === undefined) {
            throw new CliError(
              "NOT_FOUND",
              `task '${taskId}' ran on agent ${found.task.agent_id?.value ?? "?"}, which is not registered any more`,
            );
          }
          const url = agentUrl(found.agent, master.baseUrl);
          const sandbox = await findSandbox({
            agentUrl: url,
            frameworkId: found.task.framework_id.value,
            taskId,
            ...(found.task.executor_id ? { executorId: found.task.executor_id.value } : {}),
          });
          const tail = new FileTail(url, sandbox, opts.stderr ? "stderr" : "stdout", (chunk) =>
            process.stdout.write(chunk),
          );
          await tail.drain();
          if (!opts.follow) return;
          for (;;) {
            if (await tail.drain()) continue;
            const now = findTask(await clusterState(master), taskId);
            if (isTerminalState(now.task.state as TaskState)) break;
            await sleep(POLL_INTERVAL_MS);
          }
          await tail.drain();
        },
      ),
    );
}
