// A volume's mount point is made on the host, in the container's rootfs, before the launch: a
// symlink the image planted on that path must not take the mkdir out of the rootfs (with the
// copy backend the rootfs holds the image's own links). Refused with a message, nothing made.
// The volumes that cannot be mounted into an image (PARENT sandbox paths, an image volume not
// pulled, a missing host path) are refused with messages naming them; SELF is accepted.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { imageVolumes } from "../../../src/agent/images/image-volumes.ts";
import { Provisioner } from "../../../src/agent/images/provisioner.ts";

test("a volume whose container_path goes through a symlink in the image is refused, nothing made outside", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tessera-volume-targets-"));
  try {
    const rootfs = join(dir, "rootfs");
    const outside = join(dir, "outside");
    const sandbox = join(dir, "sandbox");
    for (const d of [rootfs, outside, sandbox]) mkdirSync(d);
    symlinkSync(outside, join(rootfs, "data"));
    const provisioner = new Provisioner(join(dir, "store"), join(dir, "work"), "copy");
    await assert.rejects(
      provisioner.mountTargets("c1", { dir: rootfs, cwd: "/" }, sandbox, [
        { from: sandbox, to: "/data/x", readOnly: false, isDirectory: true, inSandbox: false },
      ]),
      /outside the container's rootfs \(a symlink in the image\)/,
    );
    assert.equal(existsSync(join(outside, "x")), false, "nothing was made through the link");
    // A path without links is made inside the rootfs.
    await provisioner.mountTargets("c1", { dir: rootfs, cwd: "/" }, sandbox, [
      { from: sandbox, to: "/srv/x", readOnly: false, isDirectory: true, inSandbox: false },
    ]);
    assert.equal(existsSync(join(rootfs, "srv", "x")), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("what cannot be mounted into an image is refused with a message naming the volume", () => {
  const sandbox = "/tmp/tessera-no-such-sandbox";
  const refused = (volume: Record<string, unknown>) => {
    const result = imageVolumes([{ mode: "RW", ...volume } as never], sandbox);
    return result.ok ? "accepted" : result.message;
  };
  assert.match(
    refused({
      container_path: "/p",
      source: { type: "SANDBOX_PATH", sandbox_path: { type: "PARENT", path: "x" } },
    }),
    /volume at '\/p': SANDBOX_PATH of type PARENT .* has no parent/,
  );
  assert.match(
    refused({ container_path: "/i", image: { type: "DOCKER", docker: { name: "busybox" } } }),
    /volume at '\/i': only DOCKER image volumes are supported/,
  );
  assert.match(
    refused({
      container_path: "/h",
      source: { type: "HOST_PATH", host_path: { path: "/no/such" } },
    }),
    /host path '\/no\/such' does not exist/,
  );
  assert.equal(
    refused({
      container_path: "d",
      source: { type: "SANDBOX_PATH", sandbox_path: { type: "SELF", path: "d" } },
    }),
    "accepted",
  );
});
