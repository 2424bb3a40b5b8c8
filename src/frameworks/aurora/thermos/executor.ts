// `tessera thermos-executor`: the Thermos-like executor's process. An agent starts it as a
// custom executor (executor-info.ts); it subscribes through the SDK's ExecutorClient, runs the
// one ThermosTask it is given in TaskInfo.data (task-run.ts), and exits once the agent holds
// the task's terminal update.
import { hostname } from "node:os";
import { ExecutorClient, type ExecutorUpdate } from "../../../sdk/executor-client.ts";
import type { SdkLogger } from "../../../sdk/shell-util.ts";
import { TERMINAL_TASK_STATES } from "../../../wire/status.ts";
import type { TaskInfo } from "../../../wire/task.ts";
import { ThermosTask } from "./task-config.ts";
import { TaskRun } from "./task-run.ts";

/** Kept back from the agent's shutdown grace period for the last update and the exit. */
const SHUTDOWN_MARGIN_MS = 1_000;
/** How long the exit waits for the agent to acknowledge the terminal update. */
const TERMINAL_ACK_WAIT_MS = 5_000;

/** The ThermosTask in a TaskInfo's data (base64 JSON), or why it is not one. */
export function readThermosTask(
  task: TaskInfo,
): { ok: true; task: ThermosTask } | { ok: false; message: string } {
  if (task.data === undefined)
    return { ok: false, message: "TaskInfo.data is empty: no Thermos task to run" };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(task.data, "base64").toString("utf8"));
  } catch (error) {
    return { ok: false, message: `TaskInfo.data is not JSON: ${String(error)}` };
  }
  const parsed = ThermosTask.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      message: `TaskInfo.data is not a Thermos task: ${issue?.path.join(".")}: ${issue?.message}`,
    };
  }
  return { ok: true, task: parsed.data };
}

function stderrLogger(): SdkLogger {
  const line = (level: string) => (fields: object, message: string) =>
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`,
    );
  return { debug: () => undefined, info: line("info"), warn: line("warn"), error: line("error") };
}

/** Runs the executor until the agent is done with it; resolves with the exit code. */
export async function runThermosExecutor(): Promise<number> {
  const log = stderrLogger();
  const executor = new ExecutorClient({ logger: log });
  const sandbox = executor.env.sandbox ?? executor.env.directory ?? process.cwd();
  let host = hostname();
  let run: TaskRun | undefined;
  let terminalUuid: string | undefined;
  let exitTimer: NodeJS.Timeout | undefined;

  const send = async (update: ExecutorUpdate) => {
    const { uuid } = await executor.sendUpdate(update);
    if (TERMINAL_TASK_STATES.has(update.state)) terminalUuid = uuid;
  };
  const exitSoon = () => {
    exitTimer ??= setTimeout(() => void executor.stop(), TERMINAL_ACK_WAIT_MS);
  };

  executor.on("subscribed", ({ agentInfo }) => {
    host = agentInfo.hostname || host;
  });
  executor.on("launch", async (task) => {
    const taskId = task.task_id.value;
    if (run !== undefined) {
      await send({
        taskId,
        state: "TASK_FAILED",
        message: "this Thermos executor already runs a task",
      });
      return;
    }
    const read = readThermosTask(task);
    if (!read.ok) {
      await send({ taskId, state: "TASK_FAILED", message: read.message });
      exitSoon();
      return;
    }
    run = new TaskRun({
      taskId,
      task: read.task,
      sandbox,
      host,
      sendUpdate: send,
      log: (message, fields = {}) => log.info({ task: taskId, ...fields }, message),
    });
    void run.done.then(exitSoon);
    run.start();
  });
  executor.on("kill", ({ killPolicy }) => {
    if (run === undefined) return;
    const policyMs = killPolicy?.grace_period?.nanoseconds;
    const finalizationMs = run.finalizationWaitSecs * 1000;
    const graceMs =
      policyMs === undefined ? finalizationMs : Math.min(finalizationMs, Number(policyMs) / 1e6);
    void run.kill("TASK_KILLED", "Killed by the scheduler", graceMs);
  });
  executor.on("shutdown", async () => {
    if (run === undefined) return;
    const finalizationMs = run.finalizationWaitSecs * 1000;
    const agentGraceMs = executor.env.shutdownGracePeriodMs;
    const graceMs =
      agentGraceMs === undefined
        ? finalizationMs
        : Math.min(finalizationMs, Math.max(0, agentGraceMs - SHUTDOWN_MARGIN_MS));
    await run.kill("TASK_KILLED", "The executor was shut down", graceMs);
    await run.done;
  });
  executor.on("acknowledged", ({ uuid }) => {
    if (uuid === terminalUuid) void executor.stop();
  });
  const stopped = await executor.start();
  clearTimeout(exitTimer);
  run?.abandon();
  log.info({ code: stopped.code, message: stopped.message }, "Thermos executor exiting");
  return stopped.code === "SHUTDOWN" || stopped.code === "STOPPED" ? 0 : 1;
}
