// The SDK's clients with `mediaType: "application/x-protobuf"` against a real master and a real
// agent: a SchedulerClient subscribes, reads protobuf offers (their `url.address.ip` included),
// launches a task on a custom executor, and sees its updates; the executor, a script on the
// SDK's ExecutorClient started by the agent, subscribes and sends its updates in protobuf too.
// A protobuf body the server did not take would be refused (400), and a JSON record would not
// decode as protobuf, so the task finishing proves both directions spoke protobuf. A recording
// proxy in front of the master also watches the scheduler's calls on the wire.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { SchedulerClient, type TaskStatus } from "../../src/sdk/index.ts";
import { type Cluster, startCluster } from "../agent/integration/cluster.ts";
import { eventually } from "../support/eventually.ts";

const SDK = fileURLToPath(new URL("../../src/sdk/index.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");
const PB = "application/x-protobuf";

// Runs each task it is given (RUNNING, then FINISHED with a message) over protobuf, and exits
// once the agent acknowledged the terminal update. (It talks to the agent directly: the agent
// takes executor calls only from the executor's own container, so no proxy can watch them;
// test/sdk/executor-client-protobuf.test.ts watches the executor's side on the wire.)
const EXECUTOR_SOURCE = `
import { ExecutorClient } from ${JSON.stringify(SDK)};
const executor = new ExecutorClient({ mediaType: "application/x-protobuf" });
let terminal;
executor.on("launch", async (task) => {
  await executor.sendUpdate({ taskId: task.task_id.value, state: "TASK_RUNNING", message: "pb running" });
  terminal = (await executor.sendUpdate({ taskId: task.task_id.value, state: "TASK_FINISHED", message: "pb done" })).uuid;
});
executor.on("acknowledged", ({ uuid }) => {
  if (uuid === terminal) void executor.stop().then(() => process.exit(0));
});
await executor.start();
`;

/** A pass-through HTTP proxy recording each request's Content-Type and Accept. */
async function recordingProxy(target: string) {
  const seen: { path: string; contentType: string; accept: string }[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    seen.push({
      path: req.url ?? "",
      contentType: String(req.headers["content-type"]),
      accept: String(req.headers.accept),
    });
    const out = httpRequest(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("a SchedulerClient and an ExecutorClient speaking protobuf end to end", () => {
  let cluster: Cluster;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let client: SchedulerClient | undefined;

  before(async () => {
    cluster = await startCluster("sdkpb", { isolation: "posix/cpu,posix/mem" });
    proxy = await recordingProxy(cluster.master.url);
  });
  after(async () => {
    await client?.stop();
    await proxy?.close();
    await cluster?.stop();
  });

  it("subscribes, reads offers, launches on a custom executor and sees it finish, all in protobuf", async () => {
    const script = join(cluster.workDir, "pb-executor.mjs");
    await writeFile(script, EXECUTOR_SOURCE);
    // The suite's JSON framework holds the offers: it steps back for this one.
    await cluster.framework.scheduler.call({ type: "SUPPRESS", suppress: {} });
    for (const offer of cluster.framework.offers.splice(0)) {
      await cluster.framework.scheduler.call({
        type: "DECLINE",
        decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } },
      });
    }
    const pb = new SchedulerClient({
      master: proxy.url,
      frameworkInfo: { user: "root", name: "sdk-protobuf" },
      mediaType: PB,
      backoffInitialMs: 20,
      backoffMaxMs: 200,
    });
    client = pb;
    const updates: TaskStatus[] = [];
    let offerIp: string | undefined;
    let launched = false;
    pb.on("offers", async (offers) => {
      for (const offer of offers) {
        if (launched) {
          await pb.decline([offer.id.value]);
          continue;
        }
        launched = true;
        offerIp = offer.url?.address.ip;
        const result = await pb.launch(
          [offer.id.value],
          [
            {
              name: "pb",
              task_id: { value: "pb-task" },
              agent_id: offer.agent_id,
              resources: [
                { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
                // The container holds a whole Node.js process.
                { name: "mem", type: "SCALAR", scalar: { value: 256 } },
              ],
              executor: {
                executor_id: { value: "pb-ex" },
                name: "protobuf executor",
                command: { value: `${process.execPath} --import ${TSX} ${script}` },
              },
            },
          ],
        );
        assert.deepEqual(result, { ok: true });
      }
    });
    pb.on("update", (status) => {
      updates.push(status);
    });
    void pb.start();
    const finished = await eventually(
      "the task's TASK_FINISHED",
      () => updates.find((u) => u.state === "TASK_FINISHED"),
      { timeoutMs: 60_000 },
    );
    assert.equal(finished.message, "pb done");
    assert.equal(finished.source, "SOURCE_EXECUTOR");
    assert.ok(updates.some((u) => u.state === "TASK_RUNNING" && u.message === "pb running"));
    assert.equal(offerIp, "127.0.0.1");
    // Every scheduler call went out as protobuf, asking for protobuf back.
    const calls = proxy.seen.filter((r) => r.path.endsWith("/api/v1/scheduler"));
    assert.ok(calls.length >= 3, `SUBSCRIBE, ACCEPT and ACKNOWLEDGEs: ${calls.length}`);
    for (const c of calls) {
      assert.equal(c.contentType, PB, c.path);
      assert.equal(c.accept, PB, c.path);
    }
  });
});
