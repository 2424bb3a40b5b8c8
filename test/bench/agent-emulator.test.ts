// The scale benches measure what the agent emulator's agents do to a real master: these checks
// make sure they really register, run tasks and re-register with them over the real channel,
// so a bench cannot silently measure nothing.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { pino } from "pino";
import { AgentEmulator } from "../../bench/agent-emulator.ts";
import { MemoryRegistryStorage } from "../../src/master/registry/index.ts";
import { type RunningMaster, startMaster } from "../../src/master/server.ts";
import { commandTask, RemainingOffer, SchedulerClient } from "../../src/sdk/index.ts";
import type { TaskStatus } from "../../src/wire/status.ts";
import { eventually } from "../support/eventually.ts";

const AGENTS = 3;
const storage = new MemoryRegistryStorage();
const started: { close(): unknown }[] = [];
after(async () => {
  for (const s of started.reverse()) await s.close();
});

async function master(): Promise<RunningMaster> {
  const m = await startMaster({
    flags: { registry: "in_memory", port: "0", ip: "127.0.0.1" },
    registryStorage: storage,
    logger: pino({ level: "silent" }),
  });
  started.push(m);
  return m;
}

async function metric(m: RunningMaster, name: string): Promise<number> {
  const res = await fetch(`${m.url}/metrics/snapshot`);
  return ((await res.json()) as Record<string, number>)[name] ?? 0;
}

test("emulated agents register, run a framework's task and re-register with their tasks after a master restart", async () => {
  const first = await master();
  const emulator = new AgentEmulator({
    master: first.url,
    agents: AGENTS,
    firstIndex: 0,
    hostPrefix: "emulator-test",
    slots: 4,
    taskCpus: 0.1,
    taskMemMb: 32,
    backoffFactorMs: 10,
    taskRunMs: 0,
  });
  started.push(emulator);
  emulator.register();
  await eventually("every emulated agent subscribed", () => emulator.round.subscribed === AGENTS);
  assert.equal(await metric(first, "master/slaves_active"), AGENTS);

  // A framework's task goes to an emulated agent and is answered TASK_RUNNING.
  const updates: TaskStatus[] = [];
  let launched = false;
  const client = new SchedulerClient({
    master: first.url,
    frameworkInfo: {
      user: "test",
      name: "emulator-test",
      failover_timeout: 3600,
      checkpoint: true,
      roles: ["*"],
      capabilities: [{ type: "MULTI_ROLE" }],
    },
    backoffInitialMs: 100,
    backoffMaxMs: 1_000,
  });
  client.on("update", (status) => void updates.push(status));
  client.on("offers", async (offers) => {
    for (const offer of offers) {
      const taken = launched ? undefined : new RemainingOffer(offer).take({ cpus: 0.1, memMb: 32 });
      if (taken === undefined) {
        await client.decline([offer.id.value], { refuseSeconds: 60 });
        continue;
      }
      launched = true;
      const task = commandTask({
        id: "launched-1",
        agentId: offer.agent_id.value,
        cmd: "true",
        resources: taken.resources,
      });
      await client.launch([offer.id.value], [task]);
    }
  });
  const stopped = client.start();
  await eventually("the launched task running", () =>
    updates.some((u) => u.task_id.value === "launched-1" && u.state === "TASK_RUNNING"),
  );
  await eventually("its update acknowledged at the agent", () =>
    emulator.agents.some((a) => a.tasks.get("launched-1")?.pending.length === 0),
  );
  await client.stop();
  await stopped;

  // Tasks "launched before", then the master is replaced by one on the same registry.
  const framework = {
    user: "test",
    name: "adopted",
    id: { value: `${first.masterInfo.id}-0000` },
    failover_timeout: 0,
    checkpoint: true,
    roles: ["bench"],
    capabilities: [{ type: "MULTI_ROLE" as const }],
  };
  emulator.adoptTasks([framework], 2, "bench");
  const tasks = emulator.tasks;
  assert.equal(tasks, AGENTS * 2 + 1);
  await first.close();
  const second = await master();
  emulator.register(second.url);
  await eventually(
    "every emulated agent re-subscribed",
    () => emulator.round.subscribed === AGENTS,
  );
  assert.equal(emulator.round.tasksCarried, tasks);
  assert.equal(await metric(second, "master/slaves_active"), AGENTS);
  assert.equal(await metric(second, "master/tasks_running"), tasks);
  assert.equal(await metric(second, "master/slave_reregistrations"), AGENTS);
});
