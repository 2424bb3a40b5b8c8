// A cluster over TLS with real processes on loopback and a CA made here with openssl: a
// `tessera master` with the --ssl_* flags, a `tessera agent` with Mesos's LIBPROCESS_SSL_*
// variables (client certificates required on its port), a scheduler on the SDK, a command
// task, a custom executor (an SDK ExecutorClient process that reaches its agent over https
// with the certificate its environment names) and the CLI.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { request } from "../../src/http/client.ts";
import { setProcessTls, TLS_DISABLED } from "../../src/http/tls.ts";
import { makeTestCa, opensslPath, type TestCa } from "../../src/http/tls-test-ca.ts";
import type { Offer } from "../../src/sdk/index.ts";
import { commandTask, RemainingOffer, SchedulerClient, useClientTls } from "../../src/sdk/index.ts";
import type { TaskStatus } from "../../src/wire/status.ts";
import { freePort, killPids, tempDirsForSuite } from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import { cli, type Daemon, daemonPids, sendTlsGarbage, spawnTessera } from "./tls-daemons.ts";

const skip = opensslPath() === undefined ? "openssl is not installed" : false;
const tempDir = tempDirsForSuite("tessera-tls-it-");
/** A daemon's start through tsx, and a task's run, on a loaded machine. */
const WAIT_MS = 60_000;

const SDK = fileURLToPath(new URL("../../src/sdk/index.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");
const EXECUTOR_SOURCE = `
import { ExecutorClient } from ${JSON.stringify(SDK)};
const executor = new ExecutorClient();
let terminal;
executor.on("launch", async (task) => {
  terminal = (await executor.sendUpdate({ taskId: task.task_id.value, state: "TASK_FINISHED",
    message: "over " + process.env.LIBPROCESS_SSL_ENABLED })).uuid;
});
executor.on("acknowledged", ({ uuid }) => {
  if (uuid === terminal) void executor.stop().then(() => process.exit(0));
});
await executor.start();
`;

describe("a cluster over TLS", { skip }, () => {
  let ca: TestCa;
  let dir: string;
  let masterUrl: string;
  const daemons: Daemon[] = [];
  let client: SchedulerClient | undefined;

  before(async () => {
    dir = await tempDir();
    ca = makeTestCa(join(dir, "ca"));
    const port = await freePort();
    const master = spawnTessera(
      [
        "master",
        "--ip=127.0.0.1",
        `--port=${port}`,
        "--registry=in_memory",
        "--allocation_interval=50ms",
        "--ssl_enabled",
        `--ssl_cert_file=${ca.certFile}`,
        `--ssl_key_file=${ca.keyFile}`,
        `--ssl_ca_file=${ca.caFile}`,
      ],
      {},
    );
    daemons.push(master);
    masterUrl = await eventually(
      "the master's https banner",
      () => /listening on (https:\/\/\S+)/.exec(master.out)?.[1],
      { timeoutMs: WAIT_MS },
    );
    const agent = spawnTessera(
      [
        "agent",
        `--master=127.0.0.1:${port}`,
        "--ip=127.0.0.1",
        "--port=0",
        `--work_dir=${join(dir, "agent")}`,
        "--isolation=posix/cpu,posix/mem",
        "--resources=cpus:2;mem:1024",
      ],
      {
        LIBPROCESS_SSL_ENABLED: "true",
        LIBPROCESS_SSL_CERT_FILE: ca.certFile,
        LIBPROCESS_SSL_KEY_FILE: ca.keyFile,
        LIBPROCESS_SSL_CA_FILE: ca.caFile,
        LIBPROCESS_SSL_REQUIRE_CERT: "true",
      },
    );
    daemons.push(agent);
    await eventually("the agent's https banner", () => /listening on https:\/\//.test(agent.out), {
      timeoutMs: WAIT_MS,
    });
    useClientTls({ caFile: ca.caFile });
  });

  after(async () => {
    await client?.stop();
    killPids(daemonPids(daemons));
    setProcessTls(TLS_DISABLED);
  });

  test("the agent registers with the master over TLS", async () => {
    const slaves = await eventually(
      "the agent in /master/state",
      async () => {
        const state = await request(`${masterUrl}/master/state`, { method: "GET" });
        const parsed = JSON.parse(state.body) as { slaves: unknown[] };
        return parsed.slaves.length === 1 ? parsed.slaves : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    assert.equal(slaves.length, 1);
  });

  test("a scheduler on the SDK gets https offers; a command task and a custom executor finish", async () => {
    const script = join(dir, "executor.mjs");
    writeFileSync(script, EXECUTOR_SOURCE);
    const sdk = new SchedulerClient({
      master: masterUrl,
      frameworkInfo: { user: userInfo().username, name: "tls-it", checkpoint: true },
      backoffInitialMs: 20,
      backoffMaxMs: 200,
      tls: { caFile: ca.caFile },
    });
    client = sdk;
    const offers: Offer[] = [];
    const updates: TaskStatus[] = [];
    let launched = false;
    sdk.on("update", (status) => {
      updates.push(status);
    });
    sdk.on("offers", async (batch) => {
      offers.push(...batch);
      for (const offer of batch) {
        if (launched) {
          await sdk.decline([offer.id.value]);
          continue;
        }
        launched = true;
        const remaining = new RemainingOffer(offer);
        const first = remaining.take({ cpus: 0.1, memMb: 32 });
        const second = remaining.take({ cpus: 0.1, memMb: 256 });
        assert.ok(first !== undefined && second !== undefined);
        const command = commandTask({
          id: "tls-command",
          agentId: offer.agent_id.value,
          cmd: "true",
          resources: first.resources,
        });
        const custom = {
          name: "tls-custom",
          task_id: { value: "tls-custom" },
          agent_id: { value: offer.agent_id.value },
          resources: second.resources,
          executor: {
            executor_id: { value: "tls-ex" },
            command: { value: `${process.execPath} --import ${TSX} ${script}` },
          },
        };
        await sdk.launch([offer.id.value], [command, custom] as never);
      }
    });
    void sdk.start();
    const finished = (id: string) =>
      updates.find((s) => s.task_id.value === id && s.state === "TASK_FINISHED");
    const custom = await eventually(
      "both tasks TASK_FINISHED",
      () => (finished("tls-command") && finished("tls-custom")) || undefined,
      {
        timeoutMs: WAIT_MS,
        detail: () =>
          `offers ${offers.length}; updates ${JSON.stringify(updates.map((u) => [u.task_id.value, u.state, u.message]))}; agent: ${daemons[1]?.out.slice(-3000)}`,
      },
    );
    assert.equal(custom.message, "over true");
    assert.equal(offers[0]?.url?.scheme, "https");
  });

  test("the CLI reaches the master with --ca_file and the agent with a client certificate, and is refused without them", async () => {
    const ok = await cli(["tasks", "--all", "--master", masterUrl, "--ca_file", ca.caFile]);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /tls-command/);
    const viaEnv = await cli(["agents", "--master", masterUrl], { TESSERA_CA_FILE: ca.caFile });
    assert.equal(viaEnv.code, 0, viaEnv.out);
    // `logs` reads the sandbox from the agent, which requires a client certificate.
    const tls = ["--master", masterUrl, "--ca_file", ca.caFile];
    const cert = ["--cert_file", ca.clientCertFile, "--key_file", ca.clientKeyFile];
    const logs = await cli(["logs", "tls-custom", ...tls, ...cert]);
    assert.equal(logs.code, 0, logs.out);
    assert.notEqual((await cli(["logs", "tls-custom", ...tls])).code, 0);
    const untrusted = await cli(["tasks", "--master", masterUrl]);
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.out, /certificate|SELF_SIGNED|UNABLE_TO_VERIFY/i);
  });

  test("the services framework serves https with --ssl_* and registers with the master over TLS", async () => {
    const port = await freePort();
    const services = spawnTessera(
      [
        "services",
        "serve",
        "--master",
        masterUrl,
        "--http_port",
        String(port),
        "--data_dir",
        join(dir, "services"),
        "--ssl_enabled",
        "--ssl_cert_file",
        ca.certFile,
        "--ssl_key_file",
        ca.keyFile,
        "--ssl_ca_file",
        ca.caFile,
      ],
      {},
    );
    daemons.push(services);
    await eventually(
      "the services API's https banner",
      () => /services API on https:\/\//.test(services.out),
      { timeoutMs: WAIT_MS, detail: () => services.out.slice(-2000) },
    );
    const ping = await request(`https://127.0.0.1:${port}/ping`, { method: "GET" });
    assert.equal(ping.status, 200);
    await eventually(
      "tessera-services among the master's frameworks",
      async () => {
        const state = await request(`${masterUrl}/master/state`, { method: "GET" });
        const { frameworks } = JSON.parse(state.body) as { frameworks: { name: string }[] };
        return frameworks.some((f) => f.name === "tessera-services");
      },
      { timeoutMs: WAIT_MS, detail: () => services.out.slice(-2000) },
    );
  });

  test("fuzzed TLS garbage on the master's and the agent's ports takes neither down", async () => {
    const state = JSON.parse(
      (await request(`${masterUrl}/master/state`, { method: "GET" })).body,
    ) as { slaves: { pid: string }[] };
    const agentPort = Number(state.slaves[0]?.pid.split(":").at(-1));
    await sendTlsGarbage(Number(new URL(masterUrl).port), 40, 11);
    await sendTlsGarbage(agentPort, 40, 13);
    assert.equal((await request(`${masterUrl}/health`, { method: "GET" })).status, 200);
    assert.equal(daemons[0]?.child.exitCode, null);
    assert.equal(daemons[1]?.child.exitCode, null);
  });

  test("the agent, requiring client certificates, refuses a client without one", async () => {
    const state = JSON.parse(
      (await request(`${masterUrl}/master/state`, { method: "GET" })).body,
    ) as { slaves: { pid: string }[] };
    const address = state.slaves[0]?.pid.split("@")[1];
    await assert.rejects(request(`https://${address}/state`, { method: "GET" }));
    useClientTls({ caFile: ca.caFile, certFile: ca.clientCertFile, keyFile: ca.clientKeyFile });
    try {
      assert.equal((await request(`https://${address}/state`, { method: "GET" })).status, 200);
    } finally {
      useClientTls({ caFile: ca.caFile });
    }
  });
});
