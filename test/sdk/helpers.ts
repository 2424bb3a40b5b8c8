// Helpers for the SDK's integration tests against a real master (startMaster) and the master
// tests' TestAgent: bounded waits for client events, and a loop that plays the executors of
// the agent (RUN_TASK -> TASK_RUNNING -> TASK_FINISHED).
import type { SchedulerClient, SchedulerHandlers } from "../../src/sdk/index.ts";
import { EVENT_WAIT_MS, type Loose } from "../master/http/helpers.ts";
import type { TestAgent } from "../master/http/test-agent.ts";

/** Resolves with the first `kind` event matching `predicate`; fails after a bound. */
export function nextClientEvent<K extends keyof SchedulerHandlers>(
  client: SchedulerClient,
  kind: K,
  predicate: (arg: Parameters<SchedulerHandlers[K]>[0]) => boolean = () => true,
  timeoutMs = EVENT_WAIT_MS,
): Promise<Parameters<SchedulerHandlers[K]>[0]> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`no ${String(kind)} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const handler = ((arg: Parameters<SchedulerHandlers[K]>[0]) => {
      if (done || !predicate(arg)) return;
      done = true;
      clearTimeout(timer);
      resolve(arg);
    }) as SchedulerHandlers[K];
    client.on(kind, handler);
  });
}

/**
 * Answers every RUN_TASK of `agent` with TASK_RUNNING then TASK_FINISHED, until `stop()`.
 * Returns the task ids seen, in order.
 */
export function playExecutors(agent: TestAgent): { taskIds: string[]; stop(): void } {
  const taskIds: string[] = [];
  let stopped = false;
  void (async () => {
    while (!stopped && !agent.ended) {
      let run: Loose;
      try {
        run = (await agent.waitFor("RUN_TASK", 60_000)).run_task as Loose;
      } catch {
        return; // the agent stream ended or the test is over
      }
      const frameworkId = run.framework_id.value as string;
      const taskId = run.task.task_id.value as string;
      taskIds.push(taskId);
      await agent.sendUpdate(frameworkId, taskId, "TASK_RUNNING").catch(() => {});
      await agent.sendUpdate(frameworkId, taskId, "TASK_FINISHED").catch(() => {});
    }
  })();
  return {
    taskIds,
    stop: () => {
      stopped = true;
    },
  };
}
