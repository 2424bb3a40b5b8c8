// The SDK against a real master (startMaster) and the master tests' TestAgent: subscribe, get
// offers, launch, auto-acknowledge; a master restarted on the same work_dir; and the example
// scheduler in examples/ run as a child process until its 100 tasks finished.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { commandTask, RemainingOffer, SchedulerClient } from "../../src/sdk/index.ts";
import { type Loose, startTestMaster } from "../master/http/helpers.ts";
import { TestAgent, type TestAgentOptions } from "../master/http/test-agent.ts";
import { nextClientEvent, playExecutors } from "./helpers.ts";

const FRAMEWORK = { user: "sdk", name: "sdk-it", failover_timeout: 3600 };
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function newClient(url: string) {
  const client = new SchedulerClient({
    master: url,
    frameworkInfo: FRAMEWORK,
    backoffInitialMs: 20,
    backoffMaxMs: 200,
  });
  cleanups.push(() => client.stop());
  return client;
}

/** Launches one command task into the first offer that fits it. */
function launchOnFirstOffer(client: SchedulerClient, taskId: string) {
  let launched = false;
  client.on("offers", async (offers) => {
    for (const offer of offers) {
      const taken = launched ? undefined : new RemainingOffer(offer).take({ cpus: 1, memMb: 64 });
      if (taken === undefined) {
        await client.decline([offer.id.value]);
        continue;
      }
      launched = true;
      const task = commandTask({
        id: taskId,
        agentId: offer.agent_id.value,
        cmd: "sleep 100",
        resources: taken.resources,
      });
      const result = await client.launch([offer.id.value], [task]);
      assert.deepEqual(result, { ok: true });
    }
  });
}

// fetch keeps connections alive in one pool for the whole process; right after a master
// restart a POST can land on a connection to the old master that is closing ("other side
// closed"), and fetch does not retry a POST. The SDK's own SUBSCRIBE retries; the test agent's
// is retried here.
async function startAgentRetrying(url: string, options: TestAgentOptions): Promise<TestAgent> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestAgent.start(url, options);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

describe("the SDK against a real master", () => {
  test("a scheduler subscribes, launches into an offer and its updates are acknowledged to the agent", async () => {
    const master = await startTestMaster({ allocation_interval: "50ms" });
    cleanups.push(() => master.close());
    const agent = await TestAgent.start(master.url);
    cleanups.push(() => agent.close());
    const client = newClient(master.url);
    launchOnFirstOffer(client, "t-1");
    const subscribed = nextClientEvent(client, "subscribed");
    void client.start();
    const { frameworkId } = await subscribed;

    const run = (await agent.waitFor("RUN_TASK")).run_task as Loose;
    assert.equal(run.task.task_id.value, "t-1");
    assert.equal(run.framework_id.value, frameworkId);
    const running = nextClientEvent(client, "update", (s) => s.state === "TASK_RUNNING");
    const uuid = await agent.sendUpdate(frameworkId, "t-1", "TASK_RUNNING");
    assert.equal((await running).uuid, uuid);
    const ack = (await agent.waitFor("ACKNOWLEDGE")).acknowledge as Loose;
    assert.equal(ack.task_id.value, "t-1");
    assert.equal(ack.uuid, uuid);
    await client.stop();
  });

  test("after the master restarts on the same work_dir the client resubscribes with its framework id and keeps acknowledging", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "tessera-sdk-restart-"));
    cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
    const flags = { registry: "sqlite", work_dir: workDir, allocation_interval: "50ms" };
    const first = await startTestMaster(flags);
    const agent = await TestAgent.start(first.url, { hostname: "durable" });
    const client = newClient(first.url);
    launchOnFirstOffer(client, "t-1");
    const subscribed = nextClientEvent(client, "subscribed");
    void client.start();
    const { frameworkId } = await subscribed;
    const run = (await agent.waitFor("RUN_TASK")).run_task as Loose;
    const uuid1 = await agent.sendUpdate(frameworkId, "t-1", "TASK_RUNNING");
    assert.equal(((await agent.waitFor("ACKNOWLEDGE")).acknowledge as Loose).uuid, uuid1);
    agent.close();

    const resubscribed = nextClientEvent(client, "subscribed", (e) => e.resubscribed);
    await first.close();
    const second = await startTestMaster({ ...flags, port: String(first.port) });
    cleanups.push(() => second.close());
    const back = await startAgentRetrying(second.url, {
      hostname: "durable",
      agentId: agent.agentId,
      tasks: [
        {
          name: "t-1",
          task_id: { value: "t-1" },
          framework_id: { value: frameworkId },
          agent_id: { value: agent.agentId },
          state: "TASK_RUNNING",
          resources: run.task.resources,
        },
      ],
      frameworks: [{ ...FRAMEWORK, id: { value: frameworkId } }],
    });
    cleanups.push(() => back.close());
    assert.equal((await resubscribed).frameworkId, frameworkId);
    assert.equal(client.frameworkId, frameworkId);

    const finished = nextClientEvent(client, "update", (s) => s.state === "TASK_FINISHED");
    const uuid2 = await back.sendUpdate(frameworkId, "t-1", "TASK_FINISHED");
    assert.equal((await finished).uuid, uuid2);
    const ack = (await back.waitFor("ACKNOWLEDGE")).acknowledge as Loose;
    assert.equal(ack.uuid, uuid2);
    await client.stop();
  });

  test("the example scheduler launches 100 tasks and exits 0 once all finished", async () => {
    const master = await startTestMaster({ allocation_interval: "50ms" });
    cleanups.push(() => master.close());
    const agent = await TestAgent.start(master.url);
    cleanups.push(() => agent.close());
    const executors = playExecutors(agent);
    cleanups.push(() => executors.stop());

    const child = spawn(
      process.execPath,
      ["--import", "tsx", "examples/hundred-tasks.ts", "--master", master.url],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    cleanups.push(() => child.exitCode === null && child.kill("SIGKILL"));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 0, `stdout:\n${stdout}\nstderr:\n${stderr}`);
    assert.match(stdout, /finished 100, failed 0/);
    assert.equal(new Set(executors.taskIds).size, 100);
  });
});
