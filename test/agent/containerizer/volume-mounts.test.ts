import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  attachVolumes,
  detachVolumes,
  mountsUnder,
} from "../../../src/agent/containerizer/volume-mounts.ts";
import type { Resource } from "../../../src/wire/resource.ts";
import { tempDirsForSuite } from "../../support/cluster.ts";

const tempDir = tempDirsForSuite("tessera-volume-mounts-");

function vol(id: string, containerPath: string, mode: "RW" | "RO" = "RW"): Resource {
  return {
    name: "disk",
    type: "SCALAR",
    scalar: { value: 10 },
    reservations: [{ type: "DYNAMIC", role: "web" }],
    disk: { persistence: { id }, volume: { container_path: containerPath, mode } },
  } as Resource;
}

const canMount =
  process.getuid?.() === 0 &&
  spawnSync("mount", ["--version"]).status === 0 &&
  spawnSync("umount", ["--version"]).status === 0;

describe("persistent volumes in a sandbox", () => {
  it("reads mount points below a directory from mountinfo, deepest first, octal escapes decoded", () => {
    const info = [
      "22 1 8:1 / / rw - ext4 /dev/sda1 rw",
      "30 22 8:1 /v /w/s/data rw - ext4 /dev/sda1 rw",
      "31 30 8:1 /v /w/s/data/inner rw - ext4 /dev/sda1 rw",
      "32 22 8:1 /v /w/s\\040x/d rw - ext4 /dev/sda1 rw",
      "33 22 8:1 /v /w/sother rw - ext4 /dev/sda1 rw",
    ].join("\n");
    assert.deepEqual(mountsUnder("/w/s", info), ["/w/s/data/inner", "/w/s/data"]);
    assert.deepEqual(mountsUnder("/w/s x", info), ["/w/s x/d"]);
  });

  it("without a mount namespace a volume is a symlink to its directory", async () => {
    const workDir = await tempDir();
    const sandbox = join(workDir, "sandbox");
    const warnings: string[] = [];
    const r = attachVolumes(workDir, sandbox, [vol("v1", "data", "RO")], {
      mount: false,
      warn: (m) => warnings.push(m),
    });
    assert.ok(r.ok);
    assert.equal(readlinkSync(join(sandbox, "data")), join(workDir, "volumes/roles/web/v1"));
    assert.equal(warnings.length, 1, "RO cannot be enforced through a symlink, and says so");
  });

  it("refuses an absolute container path, as Mesos does without a container image", async () => {
    const workDir = await tempDir();
    const r = attachVolumes(workDir, join(workDir, "s"), [vol("v1", "/data")], {
      mount: false,
      warn: () => {},
    });
    assert.deepEqual(r, {
      ok: false,
      message: "Absolute container path '/data' is not supported for persistent volume 'v1'",
    });
  });

  it("with mounts, bind-mounts RW and RO volumes and takes them down again, the data staying", async (t) => {
    if (!canMount) return t.skip("needs root and mount(8) to bind-mount");
    const workDir = await tempDir();
    const sandbox = join(workDir, "sandbox");
    mkdirSync(sandbox, { recursive: true });
    const r = attachVolumes(workDir, sandbox, [vol("rw", "data"), vol("ro", "ro/data", "RO")], {
      mount: true,
      warn: () => {},
    });
    assert.ok(r.ok, r.ok ? "" : r.message);
    try {
      writeFileSync(join(sandbox, "data", "f"), "hello");
      assert.equal(readFileSync(join(workDir, "volumes/roles/web/rw/f"), "utf8"), "hello");
      assert.throws(() => writeFileSync(join(sandbox, "ro", "data", "f"), "x"), /EROFS/);
      assert.equal(mountsUnder(sandbox).length, 2);
    } finally {
      assert.deepEqual(detachVolumes(sandbox), []);
    }
    assert.deepEqual(mountsUnder(sandbox), []);
    assert.ok(existsSync(join(workDir, "volumes/roles/web/rw/f")));
  });
});
