// Health checks end to end (reference §2.9, §3.5): a real master, a real agent and the built-in
// command executor probing for real. A COMMAND, HTTP or TCP check that passes and then fails
// flips TaskStatus.healthy true -> false in TASK_RUNNING updates with reason
// REASON_TASK_HEALTH_CHECK_STATUS_UPDATED (one per failure), and after `consecutive_failures` failures in a row
// the task is killed: TASK_KILLED with healthy=false, as Mesos's executor does.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type Server } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Cluster, processesWith, startCluster, terminal } from "./cluster.ts";
import { commandTask, type TaskUpdate } from "./helpers.ts";

// Fast probes: first at once, then every 100 ms, two failures in a row kill the task.
const TIMING = {
  delay_seconds: 0,
  interval_seconds: 0.1,
  timeout_seconds: 2,
  consecutive_failures: 2,
  grace_period_seconds: 0,
};

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(typeof address === "object" && address !== null);
  return address.port;
}

describe("health checks with a real master and agent", () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster("hc", { isolation: "posix/cpu,posix/mem" });
  });

  after(async () => {
    await cluster.stop();
  });

  /** The health updates of a task, in order, and its terminal update. */
  async function healthStory(taskId: string): Promise<{ health: TaskUpdate[]; end: TaskUpdate }> {
    const end = await terminal(cluster.framework, taskId, 30_000);
    const health = cluster.framework.updates.filter(
      (u) => u.taskId === taskId && u.status.healthy !== undefined && u.state === "TASK_RUNNING",
    );
    return { health, end };
  }

  function assertFlippedAndKilled(story: { health: TaskUpdate[]; end: TaskUpdate }) {
    const flags = story.health.map((u) => u.status.healthy);
    // Mesos reports the first success and every failure, the last one just before the kill.
    assert.deepEqual(flags, [true, false, false]);
    for (const u of story.health) {
      assert.equal(u.status.reason, "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED");
      assert.equal(u.status.source, "SOURCE_EXECUTOR");
    }
    assert.equal(story.end.state, "TASK_KILLED");
    assert.equal(story.end.status.healthy, false);
    assert.match(story.end.status.message ?? "", /health check failed 2 times consecutively/);
  }

  it("a COMMAND health check that passes then fails flips healthy true -> false and the task is killed after consecutive_failures", async () => {
    const marker = `tessera-hc-command-${process.pid}`;
    await cluster.launch([
      commandTask("hc-command", `sleep 1000 # ${marker}`, {
        // Healthy until the test creates `sick` in the sandbox (the check runs there).
        health_check: { type: "COMMAND", command: { value: "test ! -e sick" }, ...TIMING },
      }),
    ]);
    await cluster.framework.until("hc-command healthy", () =>
      cluster.framework.updates.find((u) => u.taskId === "hc-command" && u.status.healthy === true),
    );
    const sandbox = cluster.sandbox("hc-command");
    assert.ok(sandbox !== undefined);
    writeFileSync(join(sandbox, "sick"), "");
    assertFlippedAndKilled(await healthStory("hc-command"));
    assert.deepEqual(processesWith(marker), []);
  });

  it("an HTTP health check that gets 200 then 500 flips healthy true -> false and the task is killed", async () => {
    let status = 200;
    const server = createHttpServer((_req, res) => {
      res.writeHead(status).end();
    });
    const port = await listen(server);
    try {
      await cluster.launch([
        commandTask("hc-http", "sleep 1000", {
          health_check: { type: "HTTP", http: { port, path: "/health" }, ...TIMING },
        }),
      ]);
      await cluster.framework.until("hc-http healthy", () =>
        cluster.framework.updates.find((u) => u.taskId === "hc-http" && u.status.healthy === true),
      );
      status = 500;
      assertFlippedAndKilled(await healthStory("hc-http"));
    } finally {
      server.close();
    }
  });

  it("a TCP health check that connects and then is refused flips healthy true -> false and the task is killed", async () => {
    const server = createTcpServer((socket) => socket.destroy());
    const port = await listen(server);
    let closed = false;
    try {
      await cluster.launch([
        commandTask("hc-tcp", "sleep 1000", {
          health_check: { type: "TCP", tcp: { port }, ...TIMING },
        }),
      ]);
      await cluster.framework.until("hc-tcp healthy", () =>
        cluster.framework.updates.find((u) => u.taskId === "hc-tcp" && u.status.healthy === true),
      );
      await new Promise<void>((resolve) => server.close(() => resolve()));
      closed = true;
      assertFlippedAndKilled(await healthStory("hc-tcp"));
    } finally {
      if (!closed) server.close();
    }
  });

  it("a COMMAND check (not a health check) reports check_status with REASON_TASK_CHECK_STATUS_UPDATED", async () => {
    const agentId = await cluster.launch([
      commandTask("checked", "sleep 1000", {
        check: {
          type: "COMMAND",
          command: { command: { value: "exit 3" } },
          delay_seconds: 0,
          interval_seconds: 0.1,
          timeout_seconds: 2,
        },
      }),
    ]);
    try {
      const update = await cluster.framework.until(
        "a check_status update",
        () =>
          cluster.framework.updates.find(
            (u) => u.taskId === "checked" && u.status.check_status?.command?.exit_code === 3,
          ),
        3_000,
      );
      assert.equal(update.state, "TASK_RUNNING");
      assert.equal(update.status.reason, "REASON_TASK_CHECK_STATUS_UPDATED");
    } finally {
      await cluster.framework.kill(agentId, "checked");
      await terminal(cluster.framework, "checked");
    }
  });
});
