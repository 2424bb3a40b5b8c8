// The executor's small pure parts: cmdline templating, the health gate's counting, the
// ServerSet member's JSON, and reading a ThermosTask out of TaskInfo.data.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readThermosTask } from "../../../../src/frameworks/aurora/thermos/executor.ts";
import { thermosTaskData } from "../../../../src/frameworks/aurora/thermos/executor-info.ts";
import { HealthGate } from "../../../../src/frameworks/aurora/thermos/health-gate.ts";
import { serverSetMember } from "../../../../src/frameworks/aurora/thermos/serverset.ts";
import {
  Announce,
  HealthCheckConfig,
  ThermosTask,
} from "../../../../src/frameworks/aurora/thermos/task-config.ts";
import { renderCmdline } from "../../../../src/frameworks/aurora/thermos/templating.ts";
import type { TaskInfo } from "../../../../src/wire/task.ts";

const task = ThermosTask.parse({
  name: "web",
  instance: 3,
  ports: { http: 31001, health: 31002 },
  processes: [{ name: "p", cmdline: "true" }],
});

describe("renderCmdline", () => {
  it("fills in ports by name, the instance and the task id; leaves other braces alone", () => {
    const rendered = renderCmdline(
      "serve --port={{thermos.ports[http]}} --shard {{ mesos.instance }} {{thermos.task_id}} {{other.thing}}",
      {
        task,
        taskId: "t-1",
      },
    );
    assert.deepEqual(rendered, {
      ok: true,
      cmdline: "serve --port=31001 --shard 3 t-1 {{other.thing}}",
    });
  });

  it("an unknown port is an error naming it and the ports there are", () => {
    const rendered = renderCmdline("serve {{thermos.ports[admin]}}", { task, taskId: "t" });
    assert.deepEqual(rendered, {
      ok: false,
      message: "cmdline names port 'admin', which the task does not have (ports: http, health)",
    });
  });
});

describe("HealthGate", () => {
  const config = (extra: Record<string, unknown>) => HealthCheckConfig.parse(extra);

  it("healthy after min_consecutive_successes in a row; a failure restarts the count", () => {
    const gate = new HealthGate(
      config({ min_consecutive_successes: 2, max_consecutive_failures: 5 }),
      0,
    );
    assert.deepEqual(gate.record(true, "ok", 20_000), { kind: "none" });
    assert.deepEqual(gate.record(false, "down", 21_000), { kind: "none" });
    assert.deepEqual(gate.record(true, "ok", 22_000), { kind: "none" });
    assert.deepEqual(gate.record(true, "ok", 23_000), { kind: "healthy" });
    assert.equal(gate.healthy, true);
  });

  it("failures within initial_interval_secs do not count; more than max_consecutive_failures end it", () => {
    const gate = new HealthGate(
      config({ initial_interval_secs: 10, max_consecutive_failures: 1 }),
      0,
    );
    for (let t = 0; t < 10_000; t += 1_000)
      assert.deepEqual(gate.record(false, "x", t), { kind: "none" });
    assert.deepEqual(gate.record(false, "x", 10_000), { kind: "none" });
    const verdict = gate.record(false, "refused", 11_000);
    assert.equal(verdict.kind, "failed");
    assert.match(
      verdict.kind === "failed" ? verdict.message : "",
      /^Failed health check! 2 consecutive failure\(s\).*refused$/,
    );
  });
});

describe("serverSetMember", () => {
  it("is Finagle's JSON: primary port as the service endpoint, every port and alias as additional ones", () => {
    const announce = Announce.parse({
      primary_port: "http",
      portmap: { aurora: "http", admin: "health" },
      zk_path: "/s",
      zk_servers: "zk:2181",
    });
    assert.deepEqual(serverSetMember(task, announce, "host-a"), {
      ok: true,
      member: {
        serviceEndpoint: { host: "host-a", port: 31001 },
        additionalEndpoints: {
          http: { host: "host-a", port: 31001 },
          health: { host: "host-a", port: 31002 },
          aurora: { host: "host-a", port: 31001 },
          admin: { host: "host-a", port: 31002 },
        },
        status: "ALIVE",
        shard: 3,
      },
    });
  });

  it("a primary_port the task lacks is refused with its name", () => {
    const announce = Announce.parse({
      primary_port: "thrift",
      zk_path: "/s",
      zk_servers: "zk:2181",
    });
    const member = serverSetMember(task, announce, "h");
    assert.equal(member.ok, false);
    assert.match(member.ok ? "" : member.message, /'thrift'/);
  });
});

describe("readThermosTask", () => {
  const info = (data: string | undefined) =>
    ({ task_id: { value: "t" }, ...(data === undefined ? {} : { data }) }) as unknown as TaskInfo;

  it("reads what thermosTaskData wrote", () => {
    assert.deepEqual(readThermosTask(info(thermosTaskData(task))), { ok: true, task });
  });

  it("names what is wrong with data that is missing, not JSON, or not a task", () => {
    const messages = [
      undefined,
      Buffer.from("{").toString("base64"),
      Buffer.from('{"name":"x"}').toString("base64"),
    ].map((data) => {
      const read = readThermosTask(info(data));
      return read.ok ? "" : read.message;
    });
    assert.match(messages[0] ?? "", /TaskInfo.data is empty/);
    assert.match(messages[1] ?? "", /not JSON/);
    assert.match(messages[2] ?? "", /not a Thermos task: processes/);
  });
});
