// General checks (checks.ts) against real commands, a real HTTP server and a real TCP port:
// each result is a CheckStatusInfo as Mesos sends it, reported only when it changes, with the
// empty result of its type when a probe gives none (timeout, refused connection).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Checker, emptyCheckStatus, probeCheck } from "../../../src/agent/executor/checks.ts";
import type { CheckStatusInfo } from "../../../src/wire/status.ts";
import { CheckInfo } from "../../../src/wire/task.ts";

const cwd = mkdtempSync(join(tmpdir(), "tessera-checks-"));
after(() => rmSync(cwd, { recursive: true, force: true }));
const ENV = { PATH: "/usr/local/bin:/usr/bin:/bin" };
const FAST = { delay_seconds: 0, interval_seconds: 0.05, timeout_seconds: 2 };

function info(raw: Record<string, unknown>): CheckInfo {
  return CheckInfo.parse({ ...FAST, ...raw });
}

/** Collects a Checker's updates until `count` arrived. */
async function updates(check: CheckInfo, count: number, between?: (n: number) => void) {
  const seen: CheckStatusInfo[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${JSON.stringify(seen)}`)), 10_000);
    const checker = new Checker(check, ENV, cwd, {
      checkUpdated: (s) => {
        seen.push(s);
        if (seen.length >= count) {
          checker.stop();
          clearTimeout(timer);
          resolve();
        } else between?.(seen.length);
      },
    });
  });
  return seen;
}

test("before any result a check status is its type with an empty sub-message", () => {
  assert.deepEqual(
    emptyCheckStatus(info({ type: "COMMAND", command: { command: { value: "true" } } })),
    {
      type: "COMMAND",
      command: {},
    },
  );
  assert.deepEqual(emptyCheckStatus(info({ type: "TCP", tcp: { port: 1 } })), {
    type: "TCP",
    tcp: {},
  });
});

test("a COMMAND check reports the exit code, and again only when it changes", async () => {
  const check = info({
    type: "COMMAND",
    command: { command: { value: "test -e flag && exit 3; exit 0" } },
  });
  const seen = await updates(check, 2, () => writeFileSync(join(cwd, "flag"), ""));
  assert.deepEqual(seen, [
    { type: "COMMAND", command: { exit_code: 0 } },
    { type: "COMMAND", command: { exit_code: 3 } },
  ]);
});

test("a COMMAND check that times out has no exit code", async () => {
  const result = await probeCheck(
    info({ type: "COMMAND", command: { command: { value: "sleep 5" } }, timeout_seconds: 0.1 }),
    ENV,
    cwd,
  );
  assert.deepEqual(result, { type: "COMMAND", command: {} });
});

test("an HTTP check reports the status code; a refused connection gives an empty result", async () => {
  let status = 204;
  const server = createHttpServer((_req, res) => res.writeHead(status).end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(typeof address === "object" && address !== null);
  const check = info({ type: "HTTP", http: { port: address.port, path: "/ready" } });
  try {
    const seen = await updates(check, 2, () => {
      status = 503;
    });
    assert.deepEqual(seen, [
      { type: "HTTP", http: { status_code: 204 } },
      { type: "HTTP", http: { status_code: 503 } },
    ]);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  assert.deepEqual(await probeCheck(check, ENV, cwd), { type: "HTTP", http: {} });
});

test("a TCP check reports whether it connected", async () => {
  const server = createTcpServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(typeof address === "object" && address !== null);
  const check = info({ type: "TCP", tcp: { port: address.port } });
  const seen = await updates(check, 2, () => server.close());
  assert.deepEqual(seen, [
    { type: "TCP", tcp: { succeeded: true } },
    { type: "TCP", tcp: { succeeded: false } },
  ]);
});
