// The Thermos-like executor on a real cluster: a master, an agent launching real processes and
// an SDK scheduler launching tasks with thermosExecutorInfo + thermosTaskData. Processes run in
// order() and leave their logs in Thermos's layout; a failing one is restarted up to
// max_failures and then fails the task naming it; a kill calls /quitquitquit and
// /abortabortabort before SIGTERM; a health check gates RUNNING and a failing one fails the
// task; and a running instance is a ServerSet member in a real ZooKeeper until it is killed.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import zookeeper from "node-zookeeper-client";
import {
  thermosExecutorInfo,
  thermosTaskData,
} from "../../../../src/frameworks/aurora/thermos/executor-info.ts";
import { ThermosTask } from "../../../../src/frameworks/aurora/thermos/task-config.ts";
import { clusterForSuite, sandboxFile, terminal } from "../../../agent/integration/cluster.ts";
import type { Loose } from "../../../agent/integration/helpers.ts";
import { freePort } from "../../../support/cluster.ts";
import { eventually } from "../../../support/eventually.ts";
import { ZooKeeperCluster, zooKeeperSkip } from "../../../support/zookeeper.ts";

const SERVER = fileURLToPath(new URL("./lifecycle-server.mjs", import.meta.url));
/** An executor is a whole Node.js process started through tsx: slow on a loaded machine. */
const START_MS = 90_000;

function thermosTaskInfo(id: string, thermos: unknown): Loose {
  return {
    task_id: { value: id },
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
      // The executor is a whole Node.js process (polled RSS counts against the task).
      { name: "mem", type: "SCALAR", scalar: { value: 384 } },
    ],
    // The executor id is the task id, so the cluster's sandbox(taskId) finds the sandbox.
    executor: thermosExecutorInfo({ executorId: id }),
    data: thermosTaskData(ThermosTask.parse(thermos)),
  };
}

function statusData(update: { status: Loose }): Loose {
  return JSON.parse(Buffer.from(update.status.data, "base64").toString("utf8"));
}

function events(sandbox: string | undefined): string[] {
  return sandboxFile(sandbox, "events.txt")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.slice(l.indexOf(" ") + 1));
}

describe("the Thermos-like executor on a real cluster", () => {
  // posix isolation: the Thermos process model, not the container (an install under /tmp
  // with filesystem/linux: test/agent/integration/executors-under-tmp.test.ts).
  const cluster = clusterForSuite("thermos", { isolation: "posix/cpu,posix/mem" });

  it("order(first, second) runs them one after the other, each with its log", async () => {
    await cluster.launch([
      thermosTaskInfo("ordered", {
        name: "ordered",
        processes: [
          { name: "second", cmdline: "test -f first.done && echo second ran", min_duration: 0 },
          {
            name: "first",
            cmdline: "sleep 0.5; echo first ran; touch first.done",
            min_duration: 0,
          },
        ],
        constraints: [{ order: ["first", "second"] }],
      }),
    ]);
    const done = await terminal(cluster.framework, "ordered", START_MS);
    assert.equal(done.state, "TASK_FINISHED", done.status.message);
    const processes = statusData(done).processes;
    assert.equal(processes.first.state, "SUCCESS");
    assert.equal(processes.second.state, "SUCCESS");
    assert.ok(processes.second.start_time >= processes.first.stop_time, JSON.stringify(processes));
    const sandbox = cluster.sandbox("ordered");
    assert.equal(sandboxFile(sandbox, ".logs/first/0/stdout"), "first ran\n");
    assert.equal(sandboxFile(sandbox, ".logs/second/0/stdout"), "second ran\n");
  });

  it("a failing process is restarted up to max_failures, then the task is TASK_FAILED naming it", async () => {
    await cluster.launch([
      thermosTaskInfo("flaky", {
        name: "flaky",
        processes: [
          {
            name: "crasher",
            cmdline: "echo run >> runs.txt; exit 3",
            max_failures: 3,
            min_duration: 0,
          },
        ],
      }),
    ]);
    const done = await terminal(cluster.framework, "flaky", START_MS);
    assert.equal(done.state, "TASK_FAILED");
    assert.match(done.status.message, /'crasher' failed after 3 failure\(s\)/);
    const sandbox = cluster.sandbox("flaky");
    assert.equal(sandboxFile(sandbox, "runs.txt"), "run\nrun\nrun\n");
    assert.deepEqual(readdirSync(join(sandbox ?? "", ".logs", "crasher")).sort(), ["0", "1", "2"]);
    assert.equal(statusData(done).processes.crasher.return_code, 3);
  });

  it("{{thermos.ports[...]}}, {{mesos.instance}} and {{thermos.task_id}} are filled in", async () => {
    await cluster.launch([
      thermosTaskInfo("templated", {
        name: "templated",
        instance: 4,
        ports: { http: 31555 },
        processes: [
          {
            name: "echo",
            cmdline: "echo {{thermos.ports[http]}} {{mesos.instance}} {{thermos.task_id}}",
          },
        ],
      }),
    ]);
    const done = await terminal(cluster.framework, "templated", START_MS);
    assert.equal(done.state, "TASK_FINISHED", done.status.message);
    assert.equal(
      sandboxFile(cluster.sandbox("templated"), ".logs/echo/0/stdout"),
      "31555 4 templated\n",
    );
  });

  it("health gates RUNNING; a kill POSTs /quitquitquit and /abortabortabort before SIGTERM, then runs the final process", async () => {
    const port = await freePort();
    const agentId = await cluster.launch([
      thermosTaskInfo("gated", {
        name: "gated",
        ports: { health: port },
        finalization_wait: 3,
        health_check_config: {
          initial_interval_secs: 0,
          interval_secs: 0.2,
          max_consecutive_failures: 1000,
        },
        processes: [
          {
            name: "server",
            cmdline: `exec ${process.execPath} ${SERVER} {{thermos.ports[health]}} 3`,
          },
          {
            name: "goodbye",
            final: true,
            cmdline: "test ! -e goodbye.txt && echo bye > goodbye.txt",
          },
        ],
      }),
    ]);
    const running = await cluster.framework.state("gated", "TASK_RUNNING", START_MS);
    assert.equal(running.status.healthy, true);
    assert.deepEqual(
      { state: statusData(running).processes.server.state, healthy: statusData(running).healthy },
      { state: "RUNNING", healthy: true },
    );
    const sandbox = cluster.sandbox("gated");
    // RUNNING only after the three "starting" answers and one "ok".
    assert.ok(
      events(sandbox).filter((e) => e === "GET /health").length >= 4,
      events(sandbox).join(", "),
    );
    const before = cluster.framework.updates.filter((u) => u.taskId === "gated");
    assert.equal(before[0]?.state, "TASK_STARTING");

    await cluster.framework.kill(agentId, "gated");
    const done = await terminal(cluster.framework, "gated", 30_000);
    assert.equal(done.state, "TASK_KILLED", done.status.message);
    const lifecycle = events(sandbox).filter(
      (e) => !e.startsWith("GET /health") && e !== "listening",
    );
    assert.deepEqual(lifecycle, ["POST /quitquitquit", "POST /abortabortabort", "SIGTERM"]);
    assert.equal(statusData(done).processes.server.state, "KILLED");
    assert.equal(statusData(done).processes.goodbye.state, "SUCCESS");
    assert.equal(sandboxFile(sandbox, "goodbye.txt"), "bye\n");
  });

  it("more consecutive health-check failures than allowed end the task TASK_FAILED", async () => {
    const port = await freePort();
    await cluster.launch([
      thermosTaskInfo("unhealthy", {
        name: "unhealthy",
        ports: { health: port },
        finalization_wait: 2,
        health_check_config: {
          initial_interval_secs: 0,
          interval_secs: 0.2,
          max_consecutive_failures: 2,
        },
        processes: [
          {
            name: "server",
            cmdline: `exec ${process.execPath} ${SERVER} {{thermos.ports[health]}} 0 sick`,
          },
        ],
      }),
    ]);
    const done = await terminal(cluster.framework, "unhealthy", START_MS);
    assert.equal(done.state, "TASK_FAILED");
    assert.match(done.status.message, /Failed health check! 3 consecutive failure\(s\)/);
    assert.ok(
      !cluster.framework.updates.some(
        (u) => u.taskId === "unhealthy" && u.state === "TASK_RUNNING",
      ),
    );
  });

  describe("ServerSet announcement", zooKeeperSkip(), () => {
    let zk: ZooKeeperCluster | undefined;
    let client: zookeeper.Client | undefined;
    before(async () => {
      zk = await ZooKeeperCluster.start(1);
      client = await connect();
    });
    after(async () => {
      client?.close();
      await zk?.stop();
    });
    const connect = async () => {
      const c = zookeeper.createClient(zk?.hosts ?? "", { sessionTimeout: 5_000 });
      await new Promise<void>((resolve) => {
        c.once("connected", () => resolve());
        c.connect();
      });
      return c;
    };
    const children = (path: string) =>
      new Promise<string[]>((resolve, reject) =>
        client?.getChildren(path, (error, names) => (error ? reject(error) : resolve(names))),
      );
    const data = (path: string) =>
      new Promise<string>((resolve, reject) =>
        client?.getData(path, (error, bytes) =>
          error ? reject(error) : resolve(bytes.toString("utf8")),
        ),
      );

    it("a running instance is a member_ znode with Finagle's JSON, gone once the task is killed", async () => {
      const [http, admin] = [await freePort(), await freePort()];
      const path = "/aurora/www/prod/hello";
      const agentId = await cluster.launch([
        thermosTaskInfo("announced", {
          name: "announced",
          instance: 2,
          ports: { http, admin },
          finalization_wait: 3,
          announce: {
            primary_port: "http",
            portmap: { aurora: "http" },
            zk_path: path,
            zk_servers: zk?.hosts,
          },
          processes: [
            {
              name: "server",
              cmdline: `exec ${process.execPath} ${SERVER} {{thermos.ports[http]}}`,
            },
          ],
        }),
      ]);
      await cluster.framework.state("announced", "TASK_RUNNING", START_MS);
      const members = await eventually("the ServerSet member", async () => {
        const names = await children(path);
        return names.length > 0 ? names : undefined;
      });
      assert.equal(members.length, 1);
      assert.match(members[0] ?? "", /^member_\d{10}$/);
      const host = "localhost"; // the test agent's --hostname
      assert.deepEqual(JSON.parse(await data(`${path}/${members[0]}`)), {
        serviceEndpoint: { host, port: http },
        additionalEndpoints: {
          http: { host, port: http },
          admin: { host, port: admin },
          aurora: { host, port: http },
        },
        status: "ALIVE",
        shard: 2,
      });

      // Without a health check RUNNING means forked: let the server listen before the kill.
      await eventually("the server to listen", () =>
        events(cluster.sandbox("announced")).includes("listening"),
      );
      await cluster.framework.kill(agentId, "announced");
      const done = await terminal(cluster.framework, "announced", 30_000);
      assert.equal(done.state, "TASK_KILLED", done.status.message);
      assert.deepEqual(await children(path), []);
      // Withdrawn before the lifecycle calls, as Aurora's announcer goes first.
      const seen = events(cluster.sandbox("announced"));
      assert.deepEqual(seen, [
        "listening",
        "POST /quitquitquit",
        "POST /abortabortabort",
        "SIGTERM",
      ]);
    });

    it("a member whose session was lost is announced again", async () => {
      const http = await freePort();
      const path = "/aurora/www/prod/again";
      const agentId = await cluster.launch([
        thermosTaskInfo("again", {
          name: "again",
          ports: { http },
          finalization_wait: 2,
          announce: { zk_path: path, zk_servers: zk?.hosts },
          processes: [{ name: "sleeper", cmdline: "sleep 600" }],
        }),
      ]);
      await cluster.framework.state("again", "TASK_RUNNING", START_MS);
      const first = await eventually("the first member", async () => (await children(path))[0]);
      // ZooKeeper down for longer than the executor's session lease (2/3 of 10 s), then back.
      client?.close();
      await zk?.kill(1);
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      await zk?.restart(1);
      client = await connect();
      const again = await eventually(
        "one new member",
        async () => {
          const names = await children(path);
          return names.length === 1 && names[0] !== first ? names[0] : undefined;
        },
        { timeoutMs: 45_000, everyMs: 200 },
      );
      const member = JSON.parse(await data(`${path}/${again}`));
      assert.deepEqual(member.serviceEndpoint, { host: "localhost", port: http });
      await cluster.framework.kill(agentId, "again");
      assert.equal((await terminal(cluster.framework, "again", 30_000)).state, "TASK_KILLED");
      assert.deepEqual(await children(path), []);
    });
  });
});
