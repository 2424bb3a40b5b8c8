// `tessera run [flags] -- CMD…`: mesos-execute's job. Subscribes as a short-lived framework
// through the SDK, launches one command task (shell=true) into the first offer that fits,
// prints its state transitions to stderr, copies its sandbox `stdout`/`stderr` to ours while it
// runs (polling the agent's /files/read), and exits with the task's exit code (exit-status.ts).
// The framework is torn down at the end so nothing lingers; with failover_timeout 0 the master
// also removes it (killing the task) if this process dies. `--detach` instead leaves the task
// running under a framework with a long failover timeout and exits once it is TASK_RUNNING.
import type { Command } from "commander";
import { usageError } from "./cli-error.ts";
import { type MasterOptions, operatorCommand, runAction } from "./command-kit.ts";
import { type RunFlags, runSpec } from "./run-spec.ts";

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function runCommand(): Command {
  return operatorCommand(
    "run",
    "run a command as a task: stream its output, exit with its exit code (like mesos-execute)",
  )
    .argument("<command...>", "the command and its arguments, after --")
    .option("--cpus <n>", "cpus for the task", "0.1")
    .option("--mem <mb>", "memory for the task, in MB", "32")
    .option("--disk <mb>", "disk for the task, in MB")
    .option("--name <name>", "task name; the task id is NAME-<random>", "run")
    .option("--env <NAME=VALUE>", "environment variable for the task (repeatable)", collect)
    .option("--role <role>", "role to run the task under", "*")
    .option("--network <name>", "container network: host (default), bridge, or a CNI network")
    .option("-p, --publish <port>", "container port to map from a host port (repeatable)", collect)
    .option(
      "--image <image>",
      "Docker image to run the command in (the agent needs --image_providers=docker)",
    )
    .option("--detach", "print the task id once it is running and exit, leaving it running")
    .option(
      "--wait_for_agent <seconds>",
      "how long to wait while no agent is active before giving up",
      "60",
    )
    .passThroughOptions()
    .action(
      runAction(
        async (
          words: string[],
          opts: MasterOptions & RunFlags & { detach?: boolean; wait_for_agent: string },
        ) => {
          const spec = runSpec(opts, words);
          const waitSeconds = Number(opts.wait_for_agent);
          if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
            throw usageError(
              `--wait_for_agent must be a number of seconds >= 0, got '${opts.wait_for_agent}'`,
            );
          }
          // Loaded on use, so that the other commands start without compiling the SDK.
          const { execute } = await import("./run-session.ts");
          process.exitCode = await execute(opts, spec, opts.detach === true, waitSeconds * 1000);
        },
      ),
    );
}
