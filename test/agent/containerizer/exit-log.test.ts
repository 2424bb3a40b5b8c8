// The native launcher's exit log (exit-log.ts): it records each named container's start and
// end, and it stays to reap what it started once the agent is gone, so that the next agent
// learns how a container it recovered ended.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ExitLog, parseExitLog } from "../../../src/agent/containerizer/exit-log.ts";
import { nativeLauncher } from "../../../src/agent/containerizer/native-launcher.ts";
import { nodeHelperDialect } from "../../../src/agent/containerizer/spawn-helper.ts";
import { eventually } from "../../support/eventually.ts";
import { make, plainShellRequest } from "./helpers.ts";

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

test("parseExitLog: a fragment a full disk left (the launcher went on on a new line) is skipped", () => {
  const { started, exited } = parseExitLog("S a 10\nX a 13 \nX a 1\nS b \nS b 12 7\nX a 0 0\n");
  assert.deepEqual([...started], [["a", 10]]);
  assert.deepEqual([...exited], [["a", { code: 0, signal: null }]]);
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
    launcher.stdin.write(plainShellRequest("c1", "sleep 0.3; exit 3", sandbox));
    // The agent goes away as soon as the container started.
    await new Promise<void>((resolve) => {
      launcher.stdout.once("data", () => resolve());
    });
    launcher.stdin.end();
    launcher.stdout.destroy();
    const log = new ExitLog(logPath);
    assert.ok(log.startedPid("c1") !== undefined, "the start is logged");
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
    assert.ok(log.startedPid("c1") !== undefined, "the start is logged");
    const code = await new Promise<number | null>((r) => helper.once("exit", r));
    assert.equal(code, 0, "the helper exits once its last container ended");
    assert.deepEqual(await log.exitOf("c1", 0), { code: 3, signal: null });
    assert.match(await readFile(logPath, "utf8"), /^S c1 \d+\nX c1 3 0\n$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("recovery: a known container without a pid file that ended while the agent was down ends with the logged status (nemesis seed 606492)", async () => {
  // The agent died between the launcher's start and its pid file; the container then ended
  // before the next agent recovered. Only the exit log knows it: S then X.
  const runtimeDir = await mkdtemp(join(tmpdir(), "tessera-exit-log-recover-"));
  const c = make({ isolation: "posix/cpu,posix/mem", runtimeDir });
  try {
    await writeFile(join(runtimeDir, "exits.log"), `S ended ${process.pid}\nX ended 0 0\n`);
    const result = await c.recover([{ containerId: "ended", pid: undefined }], {
      cgroupOrphans: false,
    });
    assert.deepEqual(result.recovered, [], "this test's own pid is not the container");
    assert.deepEqual(result.gone, ["ended"]);
    const waited = await c.wait("ended");
    assert.ok(waited.ok, "the containerizer knows how it ended");
    assert.equal(waited.value.waitStatus, 0);
  } finally {
    c.close();
    await rm(runtimeDir, { recursive: true, force: true });
  }
});

test("the launcher refuses a request it reads after the agent that wrote it died (nemesis seed 606492)", async (t) => {
  const built = nativeLauncher();
  if (!built.ok) {
    t.skip(built.reason);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "tessera-exit-log-"));
  try {
    const request = join(dir, "request");
    const sandbox = join(dir, "sb");
    await writeFile(request, plainShellRequest("late", "exit 0", sandbox));
    // The "agent" (this shell) starts the launcher and dies; the request reaches it later.
    const replies = join(dir, "replies");
    const script = `{ sleep 1; cat "$3"; } | "$1" "$2" >"$4" & sleep 0.3; exit 0`;
    const logPath = join(dir, "exits.log");
    const agent = spawn("/bin/sh", ["-c", script, "agent", built.path, logPath, request, replies]);
    await new Promise((r) => agent.once("exit", r));
    await eventually("the launcher's reply", async () =>
      (await readFile(replies, "utf8").catch(() => "")).endsWith("\n"),
    );
    assert.match(await readFile(replies, "utf8"), /^F 1 the agent that asked for it is gone\n$/);
    assert.equal(new ExitLog(logPath).startedPid("late"), undefined, "nothing started");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
