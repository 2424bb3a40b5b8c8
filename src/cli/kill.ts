// `tessera kill TASK`: Mesos has no operator call that kills one task (only its framework can,
// with KILL). The agent's operator API has KILL_CONTAINER (reference §4.4): the task's agent
// and executor come from the master's state, the container from the agent's GET_CONTAINERS,
// and killing the container of a command task (executor id = task id) ends the task, which the
// executor reports as TASK_KILLED/TASK_FAILED. The command then waits for the terminal state.
import type { Command } from "commander";
import type { TaskState } from "../wire/status.ts";
import { CliError } from "./cli-error.ts";
import { agentUrl, clusterState, findTask } from "./cluster-views.ts";
import { connect, type MasterOptions, operatorCommand, runAction } from "./command-kit.ts";
import { agentCall } from "./operator-client.ts";

/** Longest wait for the master to report the killed task terminal. */
export const KILL_WAIT_MS = 60_000;
const POLL_MS = 200;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface GetContainersAnswer {
  get_containers?: {
    containers?: {
      framework_id?: { value: string };
      executor_id?: { value: string };
      container_id: { value: string };
    }[];
  };
}

export function killCommand(): Command {
  return operatorCommand("kill", "kill a task (through its agent's KILL_CONTAINER)")
    .argument("<task>", "task id (see `tessera tasks`)")
    .action(
      runAction(async (taskId: string, opts: MasterOptions) => {
        const { isTerminalState } = await import("../wire/status.ts");
        const master = await connect(opts);
        const found = findTask(await clusterState(master), taskId);
        if (!found.live || isTerminalState(found.task.state as TaskState)) {
          process.stdout.write(`task ${taskId} already ended: ${found.task.state}\n`);
          return;
        }
        if (found.agent === undefined) {
          throw new CliError("NOT_FOUND", `the agent of task '${taskId}' is not registered`);
        }
        const url = agentUrl(found.agent, master.baseUrl);
        const frameworkId = found.task.framework_id.value;
        const executorId = found.task.executor_id?.value ?? taskId;
        const listed = await agentCall(url, { type: "GET_CONTAINERS" });
        if (listed.status !== 200) {
          throw new CliError("REFUSED", `the agent refused GET_CONTAINERS: ${listed.status}`);
        }
        const containers =
          (JSON.parse(listed.body) as GetContainersAnswer).get_containers?.containers ?? [];
        const container = containers.find(
          (c) => c.framework_id?.value === frameworkId && c.executor_id?.value === executorId,
        );
        if (container === undefined) {
          throw new CliError("NOT_FOUND", `no container of task '${taskId}' on its agent`);
        }
        const killed = await agentCall(url, {
          type: "KILL_CONTAINER",
          kill_container: { container_id: container.container_id },
        });
        if (killed.status === 501) {
          throw new CliError(
            "UNSUPPORTED",
            "this agent does not implement KILL_CONTAINER yet, so one task cannot be killed from the CLI: its framework can kill it, or `tessera teardown FRAMEWORK` ends the framework with all its tasks",
          );
        }
        if (killed.status !== 200) {
          throw new CliError(
            "REFUSED",
            `the agent refused KILL_CONTAINER: ${killed.status} ${killed.body.trim()}`,
          );
        }
        const deadline = Date.now() + KILL_WAIT_MS;
        for (;;) {
          const now = findTask(await clusterState(master), taskId);
          if (isTerminalState(now.task.state as TaskState)) {
            process.stdout.write(`task ${taskId} ${now.task.state}\n`);
            return;
          }
          if (Date.now() > deadline) {
            throw new CliError(
              "REFUSED",
              `task '${taskId}' is still ${now.task.state} ${KILL_WAIT_MS / 1000} s after its container was killed`,
            );
          }
          await sleep(POLL_MS);
        }
      }),
    );
}
