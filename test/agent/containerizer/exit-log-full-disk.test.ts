// The exit log on a full disk (nemesis seed 2028): a container that ends while the log cannot
// take a line keeps its end with its launcher, which writes it once the disk has room again,
// before it goes; the agent restarted meanwhile then finds the real status, not "unknown".
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ExitLog } from "../../../src/agent/containerizer/exit-log.ts";
import { nativeLauncher } from "../../../src/agent/containerizer/native-launcher.ts";
import { nodeHelperDialect } from "../../../src/agent/containerizer/spawn-helper.ts";
import { eventually } from "../../support/eventually.ts";
import { fillDisk, mountTmpfs } from "../../support/tmpfs.ts";
import { plainShellRequest } from "./helpers.ts";

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

describe("the exit log on a full disk", () => {
  const mounted = mountTmpfs("tessera-exit-log-full-");
  const work = mkdtempSync(join(tmpdir(), "tessera-exit-log-sandboxes-"));
  let n = 0;

  after(() => {
    if ("dir" in mounted) {
      execFileSync("umount", [mounted.dir]);
      rmSync(mounted.dir, { recursive: true, force: true });
    }
    rmSync(work, { recursive: true, force: true });
  });

  before(() => {
    if ("dir" in mounted) fillDisk(join(mounted.dir, "filler"));
  });

  /** Starts one container through `launcher`, lets the agent go, and frees the disk once the
   *  container ended: its start and end must be in the log, in order, and the launcher gone. */
  async function endSurvivesFullDisk(
    start: (logPath: string) => ChildProcess,
    request: (sandbox: string) => string | Buffer,
  ): Promise<void> {
    if (!("dir" in mounted)) throw new Error("no tmpfs");
    const logPath = join(mounted.dir, `exits-${n++}.log`);
    const launcher = start(logPath);
    const exited = new Promise<number | null>((r) => launcher.once("exit", r));
    launcher.stdin?.write(request(join(work, `sb-${n}`)));
    await new Promise<void>((resolve) => launcher.stdout?.once("data", () => resolve()));
    // The agent dies (its end of the pipes closes); the container ends while the disk is full.
    launcher.stdin?.end();
    launcher.stdout?.destroy();
    await new Promise((r) => setTimeout(r, 800));
    assert.doesNotMatch(readLog(logPath), /X c1/, "the disk is still full");
    unlinkSync(join(mounted.dir, "filler"));
    try {
      await eventually("the end in the log", () => new ExitLog(logPath).hasEnded("c1"));
      assert.deepEqual(await new ExitLog(logPath).exitOf("c1", 0), { code: 3, signal: null });
      assert.ok(new ExitLog(logPath).startedPid("c1") !== undefined, "the start is logged too");
      assert.equal(await exited, 0, "the launcher goes once the end is written");
    } finally {
      launcher.kill("SIGKILL");
      fillDisk(join(mounted.dir, "filler"));
    }
  }

  test("the native launcher writes a container's end once the disk has room again", async (t) => {
    if (!("dir" in mounted)) return t.skip(mounted.reason);
    const built = nativeLauncher();
    if (!built.ok) return t.skip(built.reason);
    await endSurvivesFullDisk(
      (logPath) => spawn(built.path, [logPath], { stdio: ["pipe", "pipe", "inherit"] }),
      (sandbox) => plainShellRequest("c1", "sleep 0.3; exit 3", sandbox),
    );
  });

  test("the Node helper writes a container's end once the disk has room again", async (t) => {
    if (!("dir" in mounted)) return t.skip(mounted.reason);
    let dialect: ReturnType<typeof nodeHelperDialect> | undefined;
    await endSurvivesFullDisk(
      (logPath) => {
        dialect = nodeHelperDialect(logPath);
        return spawn(dialect.file, [...dialect.args], { stdio: ["pipe", "pipe", "inherit"] });
      },
      (sandbox) => {
        if (dialect === undefined) throw new Error("no dialect");
        return dialect.encode(1, {
          name: "c1",
          plan: { file: "/bin/sh", args: ["-c", "sleep 0.3; exit 3"] },
          cwd: work,
          env: { PATH: "/bin:/usr/bin" },
          stdoutPath: `${sandbox}-stdout`,
          stderrPath: `${sandbox}-stderr`,
        });
      },
    );
  });
});
