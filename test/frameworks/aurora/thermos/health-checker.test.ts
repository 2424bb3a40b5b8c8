// The executor's health checks against real endpoints: an HTTP server on loopback answering
// with a body and a status code, and shell commands that pass, fail or overrun the timeout.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { after, before, describe, it } from "node:test";
import { runCheck } from "../../../../src/frameworks/aurora/thermos/health-checker.ts";
import {
  HealthCheckConfig,
  ThermosTask,
} from "../../../../src/frameworks/aurora/thermos/task-config.ts";

describe("health checks", () => {
  let server: Server;
  let port = 0;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/health") res.end("ok\n");
      else if (req.url === "/sick") res.end("not ok");
      else {
        res.statusCode = 503;
        res.end("ok");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    port = typeof address === "object" && address !== null ? address.port : 0;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const task = (ports: Record<string, number>) =>
    ThermosTask.parse({ name: "t", ports, processes: [{ name: "p", cmdline: "true" }] });
  const http = (endpoint: string) =>
    HealthCheckConfig.parse({ health_checker: { http: { endpoint } } });

  it("HTTP: the health port (else http) answering the expected body passes; the body is trimmed", async () => {
    assert.deepEqual(await runCheck(http("/health"), task({ health: port }), tmpdir()), {
      ok: true,
      detail: "ok",
    });
    assert.equal((await runCheck(http("health"), task({ http: port }), tmpdir())).ok, true);
  });

  it("HTTP: another body, another status code, no listener or no port each fail with a reason", async () => {
    const sick = await runCheck(http("/sick"), task({ health: port }), tmpdir());
    assert.deepEqual(sick, {
      ok: false,
      detail: `http://127.0.0.1:${port}/sick answered 'not ok', expected 'ok'`,
    });
    const down = await runCheck(http("/down"), task({ health: port }), tmpdir());
    assert.deepEqual(down, { ok: false, detail: `http://127.0.0.1:${port}/down answered 503` });
    const none = await runCheck(http("/health"), task({}), tmpdir());
    assert.deepEqual(none, { ok: false, detail: "the task has no 'health' or 'http' port" });
  });

  it("shell: exit 0 passes, another exit fails, and a command past timeout_secs is killed and fails", async () => {
    const shell = (command: string) =>
      HealthCheckConfig.parse({
        health_checker: { shell: { shell_command: command } },
        timeout_secs: 0.3,
      });
    assert.equal((await runCheck(shell("true"), task({}), tmpdir())).ok, true);
    const templated = shell(
      "test {{thermos.ports[http]}} = 8080 && test {{thermos.task_id}} = t-9",
    );
    assert.equal((await runCheck(templated, task({ http: 8080 }), tmpdir(), "t-9")).ok, true);
    assert.deepEqual(await runCheck(shell("exit 4"), task({}), tmpdir()), {
      ok: false,
      detail: "'exit 4' ended with exit code 4",
    });
    const slow = await runCheck(shell("sleep 30"), task({}), tmpdir());
    assert.deepEqual(slow, { ok: false, detail: "'sleep 30' ended with SIGKILL" });
  });
});
