// disk/du: a sandbox's disk use measured as `du` measures it, the limitation for a sandbox over
// its quota, and the containerizer with disk/du: disk_used_bytes in usage, and with the quota
// enforced a container writing past its `disk` ended with REASON_CONTAINER_LIMITATION_DISK.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import {
  diskLimitation,
  diskUsageBytes,
  formatBytes,
} from "../../../src/agent/containerizer/disk-du.ts";
import { eventually } from "../../support/eventually.ts";
import { make, makeSandboxParent, PATH_ENV, shell } from "./helpers.ts";

const MB = 1024 * 1024;
const sandboxes = makeSandboxParent();
after(() => sandboxes.remove());

describe("measuring a sandbox", () => {
  test("counts what `du -s` counts: allocated blocks, a hard-linked file once, a symlink as itself", async () => {
    const dir = sandboxes.sandbox("measure");
    mkdirSync(join(dir, "sub", "deeper"), { recursive: true });
    writeFileSync(join(dir, "a"), Buffer.alloc(300 * 1024, 1));
    writeFileSync(join(dir, "sub", "deeper", "b"), Buffer.alloc(1500 * 1024, 2));
    linkSync(join(dir, "a"), join(dir, "sub", "a-again"));
    const outside = sandboxes.sandbox("big-outside");
    writeFileSync(outside, Buffer.alloc(4 * MB, 3));
    symlinkSync(outside, join(dir, "link-to-outside"));
    const du = Number(execFileSync("du", ["-s", "-B1", dir], { encoding: "utf8" }).split("\t")[0]);
    const measured = await diskUsageBytes(dir);
    assert.equal(measured, du);
    assert.ok(measured >= 1800 * 1024 && measured < 3 * MB, `${measured} bytes`);
  });

  test("a sandbox that is gone measures 0", async () => {
    assert.equal(await diskUsageBytes(sandboxes.sandbox("never-made")), 0);
  });
});

describe("the disk limitation", () => {
  test("holds exactly when a positive quota is exceeded", () => {
    fc.assert(
      fc.property(fc.nat(1 << 30), fc.integer({ min: -1, max: 1024 }), (used, quotaMb) => {
        const limitation = diskLimitation(used, quotaMb);
        assert.equal(limitation !== null, quotaMb > 0 && used > quotaMb * MB);
        if (limitation !== null) {
          assert.equal(limitation.reason, "REASON_CONTAINER_LIMITATION_DISK");
        }
      }),
    );
  });

  test("says the usage and the quota as Mesos prints bytes", () => {
    assert.equal(diskLimitation(3 * MB, 1)?.message, "Disk usage (3MB) exceeds quota (1MB)");
    assert.equal(formatBytes(1536), "1536B");
    assert.equal(formatBytes(2048), "2KB");
    assert.equal(formatBytes(2 * 1024 ** 3), "2GB");
  });
});

describe("the containerizer with disk/du", () => {
  const writer = (mb: number) => ({
    shell: true,
    value: `head -c ${mb * MB} /dev/zero > blob && sleep 60`,
  });

  /** A container with a 1 MB disk that writes `mb` MB into its sandbox. */
  const writerIn1Mb = (id: string, mb: number) => ({
    sandboxDir: sandboxes.sandbox(id),
    command: writer(mb),
    env: PATH_ENV,
    resources: { cpus: 0.5, memMb: 64, diskMb: 1 },
  });

  test("reports the sandbox's use and limit; without enforcement a container over it runs on", async () => {
    const c = make({
      isolation: "posix/cpu,posix/mem,disk/du",
      diskWatchIntervalMs: 20,
      pollIntervalMs: 20,
    });
    try {
      const launched = await c.launch("d-measured", writerIn1Mb("d-measured", 3));
      assert.ok(launched.ok);
      await eventually("the sandbox measured at 3 MB", () => {
        const u = c.usage("d-measured");
        return u.ok && (u.value.disk_used_bytes ?? 0) >= 3 * MB;
      });
      const usage = c.usage("d-measured");
      assert.ok(usage.ok);
      assert.equal(usage.value.disk_limit_bytes, MB);
      assert.deepEqual(c.containers(), ["d-measured"], "still running");
      await c.destroy("d-measured", { gracePeriodMs: 0 });
    } finally {
      c.close();
    }
  });

  test("with the quota enforced, a container writing past its disk ends with the disk limitation", async () => {
    const c = make({
      isolation: "posix/cpu,posix/mem,disk/du",
      diskWatchIntervalMs: 20,
      enforceDiskQuota: true,
    });
    try {
      const launched = await c.launch("d-over", writerIn1Mb("d-over", 3));
      assert.ok(launched.ok);
      const waited = await c.wait("d-over");
      assert.ok(waited.ok);
      assert.equal(waited.value.limitation?.reason, "REASON_CONTAINER_LIMITATION_DISK");
      assert.match(waited.value.limitation?.message ?? "", /exceeds quota \(1MB\)$/);
      assert.equal(waited.value.signal, "SIGKILL");

      const within = await c.launch(
        "d-within",
        shell(sandboxes.sandbox("d-within"), `head -c ${MB} /dev/zero > blob`, {
          resources: { cpus: 0.5, memMb: 64, diskMb: 8 },
        }),
      );
      assert.ok(within.ok);
      const done = await c.wait("d-within");
      assert.ok(done.ok);
      assert.equal(done.value.exitCode, 0);
      assert.equal(done.value.limitation, undefined);
    } finally {
      c.close();
    }
  });
});
