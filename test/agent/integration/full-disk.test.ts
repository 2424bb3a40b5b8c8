// The agent with its work dir on a full file system (a small tmpfs, mounted here as root and
// unmounted after): it advertises the file system's real size, keeps running when its
// checkpoint cannot be written, refuses launches with a reason, and starts again (recovers)
// on the still full disk.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CHECKPOINT_FAILED_MESSAGE } from "../../../src/agent/core/tasks.ts";
import type { RunningAgent } from "../../../src/agent/server.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import { eventually } from "../../support/eventually.ts";
import { commandTask, Framework, startMasterForAgents, startTestAgent } from "./helpers.ts";

const FS_MB = 50;
const RESOURCES = "cpus:2;mem:2048;ports:[31000-31100]"; // disk left to detection

function mountTmpfs(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "tessera-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${FS_MB}m`, "tmpfs", dir]);
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

/** Writes a file until the file system says ENOSPC. */
function fill(dir: string, name: string): void {
  const fd = openSync(join(dir, name), "w");
  const chunk = Buffer.alloc(1024 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
  // The last partial chunks: every byte taken.
  const small = openSync(join(dir, `${name}-tail`), "w");
  try {
    for (;;) writeSync(small, Buffer.alloc(512, 1));
  } catch {
    // ENOSPC
  } finally {
    closeSync(small);
  }
}

describe("agent with its work dir on a full file system", () => {
  const mount = mountTmpfs();
  let master: RunningMaster;
  let agent: RunningAgent | undefined;
  let framework: Framework;

  before(async () => {
    if (mount === undefined) return;
    master = await startMasterForAgents();
    framework = await Framework.subscribe(master);
  });

  after(async () => {
    if (mount === undefined) return;
    framework.close();
    await agent?.close();
    await master.close();
    execFileSync("umount", [mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  it("advertises the file system's size, refuses launches once it is full, and restarts on it", async (t) => {
    if (mount === undefined) return t.skip("needs root to mount a tmpfs");
    // The work dir does not exist yet: its file system is measured all the same.
    const workDir = join(mount, "work");
    agent = await startTestAgent(master, workDir, { resources: RESOURCES });
    const first = await framework.offer();
    const disk = (first.resources ?? []).find((r: { name: string }) => r.name === "disk");
    assert.equal(disk?.scalar?.value, FS_MB / 2, "half of a file system under 10 GB, as Mesos");

    fill(mount, "filler");
    await framework.launch(first, [commandTask("on-full", "sleep 60")]);
    // The agent keeps running; its checkpoint cannot be written, which it says.
    const running = agent;
    await eventually("the checkpoint failure", () => running.core.checkpointFailure);
    assert.match(running.core.checkpointFailure ?? "", /ENOSPC/);
    assert.equal((await fetch(`${running.url}/health`)).status, 503);
    const next = await framework.offer();
    await framework.launch(next, [commandTask("refused", "sleep 60")]);
    const refused = await framework.state("refused", "TASK_FAILED");
    assert.equal(
      refused.status.message,
      `${CHECKPOINT_FAILED_MESSAGE}: ${running.core.checkpointFailure}`,
    );

    // Restarted on the full disk, it recovers and runs (refusing work again once it must
    // write its checkpoint).
    await running.close();
    agent = await startTestAgent(master, workDir, { resources: RESOURCES });
    const again = agent;
    assert.equal((await fetch(`${again.url}/state`)).status, 200);
    // Starting removed the checkpoint trash the first run left: full again.
    fill(mount, "filler-2");
    // Offers made before the restart are void (TASK_LOST, invalid offers): launch on the
    // first one the restarted agent's resources were offered in.
    await eventually(
      "the re-registration",
      () => again.core.connection === "registered" || undefined,
    );
    for (let attempt = 0; attempt < 5; attempt++) {
      const taskId = `after-restart-${attempt}`;
      await framework.launch(await framework.offer(), [commandTask(taskId, "sleep 60")]);
      const seen = await framework.until(
        `${taskId}'s update or the checkpoint failure`,
        () =>
          framework.updates.find((u) => u.taskId === taskId)?.status.reason ??
          again.core.checkpointFailure,
      );
      if (seen !== "REASON_INVALID_OFFERS") break;
    }
    assert.match(again.core.checkpointFailure ?? "", /ENOSPC/);
    assert.equal((await fetch(`${again.url}/health`)).status, 503);
  });
});
