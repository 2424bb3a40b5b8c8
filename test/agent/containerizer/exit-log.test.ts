// The native launcher's exit log (exit-log.ts): it records each named container's start and
// end, and it stays to reap what it started once the agent is gone, so that the next agent
// learns how a container it recovered ended.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ExitLog, parseExitLog } from "../../../src/agent/containerizer/exit-log.ts";
import {
  encodeNativeRequest,
  nativeLauncher,
} from "../../../src/agent/containerizer/native-launcher.ts";
import { nodeHelperDialect } from "../../../src/agent/containerizer/spawn-helper.ts";

test("parseExitLog: starts without an end are running; ends carry the code or the signal", () => {
  const { started, exited } = parseExitLog(
    "S a 10\nS b 11\nX a 0 0\nS c 12\nX c -1 9\ngarbage\nX d",
  );
  assert.deepEqual(
    [...started],
    [
      ["a", 10],
      ["b", 11],
      ["c", 12],
    ],
  );
  assert.deepEqual(exited.get("a"), { code: 0, signal: null });
  assert.deepEqual(exited.get("c"), { code: null, signal: "SIGKILL" });
  assert.equal(exited.has("b"), false);
});

test("the launcher logs the end of a container that outlived the agent's end of the pipe", async (t) => {
  const built = nativeLauncher();
  if (!built.ok) {
    t.skip(built.reason);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "tessera-exit-log-"));
  try {
    const logPath = join(dir, "exits.log");
    const launcher = spawn(built.path, [logPath], { stdio: ["pipe", "pipe", "inherit"] });
    const sandbox = join(dir, "sb");
    launcher.stdin.write(
      encodeNativeRequest(1, {
        name: "c1",
        command: { shell: true, value: "sleep 0.3; exit 3" },
        sandboxDir: sandbox,
        env: { PATH: "/bin:/usr/bin" },
        stdoutPath: join(sandbox, "stdout"),
        stderrPath: join(sandbox, "stderr"),
        cgroupProcsFiles: [],
        pidNamespace: false,
        mountPoint: null,
        user: null,
      }),
    );
    // The agent goes away as soon as the container started.
    await new Promise<void>((resolve) => {
      launcher.stdout.once("data", () => resolve());
    });
    launcher.stdin.end();
    launcher.stdout.destroy();
    const log = new ExitLog(logPath);
    assert.ok(log.runningPid("c1") !== undefined, "the start is logged");
    const code = await new Promise<number | null>((r) => launcher.once("exit", r));
    assert.equal(code, 0, "the launcher exits once its last container ended");
    assert.deepEqual(await log.exitOf("c1", 0), { code: 3, signal: null });
    assert.match(await readFile(logPath, "utf8"), /^S c1 \d+\nX c1 3 0\n$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the Node helper (no compiler) logs the end of a container that outlived the agent too", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tessera-exit-log-"));
  try {
    const logPath = join(dir, "exits.log");
    const dialect = nodeHelperDialect(logPath);
    const helper = spawn(dialect.file, [...dialect.args], { stdio: ["pipe", "pipe", "inherit"] });
    const plan = { file: "/bin/sh", args: ["-c", "sleep 0.3; exit 3"] };
    helper.stdin.write(
      dialect.encode(1, {
        name: "c1",
        plan,
        cwd: dir,
        env: { PATH: "/bin:/usr/bin" },
        stdoutPath: join(dir, "stdout"),
        stderrPath: join(dir, "stderr"),
      }),
    );
    await new Promise<void>((resolve) => {
      helper.stdout.once("data", () => resolve());
    });
    helper.stdin.end();
    helper.stdout.destroy();
    const log = new ExitLog(logPath);
    assert.ok(log.runningPid("c1") !== undefined, "the start is logged");
    const code = await new Promise<number | null>((r) => helper.once("exit", r));
    assert.equal(code, 0, "the helper exits once its last container ended");
    assert.deepEqual(await log.exitOf("c1", 0), { code: 3, signal: null });
    assert.match(await readFile(logPath, "utf8"), /^S c1 \d+\nX c1 3 0\n$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
