// A complete Tessera (and Mesos) scheduler in one page: it launches 100 short command tasks,
// packing as many as fit into each offer, and exits 0 once all of them FINISHED (1 if any
// ended otherwise). Updates are acknowledged by the SDK after the handler returns.
//
//   npx tsx examples/hundred-tasks.ts --master http://127.0.0.1:5050 [--tasks 100] [--cmd true]
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { commandTask, isTerminalState, packTasks, SchedulerClient } from "../src/sdk/index.ts";

const { values } = parseArgs({
  options: {
    master: { type: "string", default: "http://127.0.0.1:5050" },
    tasks: { type: "string", default: "100" },
    cmd: { type: "string", default: "true" },
  },
});
const total = Number(values.tasks);
const needs = { cpus: 0.1, memMb: 32 };

let waiting = Array.from({ length: total }, (_, i) => `task-${i}`); // not launched yet
const finished = new Set<string>();
const failed = new Map<string, string>();

const client = new SchedulerClient({
  master: values.master,
  frameworkInfo: { user: userInfo().username, name: "hundred-tasks", failover_timeout: 300 },
});

client.on("offers", async (offers) => {
  for (const offer of offers) {
    const { placed, rest } = packTasks(offer, waiting, () => needs);
    waiting = rest;
    if (placed.length === 0) {
      await client.decline([offer.id.value], { refuseSeconds: 30 });
      continue;
    }
    const tasks = placed.map(({ item: id, taken }) =>
      commandTask({
        id,
        agentId: offer.agent_id.value,
        cmd: values.cmd,
        resources: taken.resources,
      }),
    );
    const launched = await client.launch([offer.id.value], tasks, { refuseSeconds: 1 });
    if (!launched.ok) waiting.push(...placed.map((p) => p.item)); // try again with a later offer
  }
  if (waiting.length === 0) await client.suppress(); // no more offers needed
});

client.on("update", async (status) => {
  const id = status.task_id.value;
  if (status.state === "TASK_FINISHED") finished.add(id);
  else if (isTerminalState(status.state)) failed.set(id, `${status.state} ${status.message ?? ""}`);
  else return;
  process.stdout.write(`${finished.size + failed.size}/${total} ${id} ${status.state}\n`);
  if (finished.size + failed.size === total) await client.teardown();
});

client.on("disconnected", (reason) => {
  process.stderr.write(`disconnected: ${reason}\n`);
});

const stopped = await client.start();
for (const [id, why] of failed) process.stderr.write(`${id}: ${why}\n`);
process.stdout.write(`finished ${finished.size}, failed ${failed.size} (${stopped.message})\n`);
process.exit(finished.size === total ? 0 : 1);
