// An image of 122 layers runs on the overlay backend (containers.md §7: Mesos's overlay mount
// failed at 38 layers, its mount data over the 4096-byte page; here each image is unpacked
// once into one lower dir, so the layer count does not reach the mount): each of the 120
// numbered layers whites out the one below it, so the task sees only the last one's file and
// the first layer's busybox. No mount of the work dir is left and the rootfs is removed.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually } from "../../support/eventually.ts";
import { buildBusyboxImage, busyboxUnavailable } from "../images/image-fixture.ts";
import { type Cluster, startCluster, terminal } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

const NUMBERED = 120;
const skip =
  busyboxUnavailable() ??
  (process.getuid?.() === 0 ? undefined : "needs root for mount namespaces");

describe("an image of 100+ layers on the overlay backend", { skip }, () => {
  let cluster: Cluster;
  let images: string;

  before(async () => {
    images = mkdtempSync(join(tmpdir(), "tessera-imglayers-"));
    const built = buildBusyboxImage(join(images, "build"), {}, NUMBERED);
    assert.equal(built.layerDigests.length, NUMBERED + 2);
    cluster = await startCluster("imglayers", {
      isolation: "posix/cpu,posix/mem,filesystem/linux",
      image_providers: "docker",
      image_provisioner_backend: "overlay",
      docker_registry: built.tarballDir,
      docker_store_dir: join(images, "store"),
    });
  });
  after(async () => {
    await cluster?.stop();
    rmSync(images, { recursive: true, force: true });
  });

  it("runs a task that sees the top layer's file, the lower ones whited out", async () => {
    await cluster.launch([
      commandTask("many", "", {
        command: { value: "ls /layers; cat /layers/*; cat /etc/image-marker" },
        container: {
          type: "MESOS",
          mesos: { image: { type: "DOCKER", docker: { name: "busybox" } } },
        },
      }),
    ]);
    const end = await terminal(cluster.framework, "many", 60_000);
    const sandbox = cluster.sandbox("many");
    const stdout = sandbox === undefined ? "" : readFileSync(join(sandbox, "stdout"), "utf8");
    assert.equal(end.state, "TASK_FINISHED", `${end.status.message} ${stdout}`);
    assert.equal(stdout, `${NUMBERED}\n${NUMBERED}\nfrom-the-image\n`);
    assert.ok(
      !readFileSync("/proc/self/mountinfo", "utf8").includes(cluster.workDir),
      "no mount of the work dir is left on the host",
    );
    // The overlay backend's one unpacked copy of the image (the copy backend has none).
    assert.equal(readdirSync(join(images, "store", "rootfs")).length, 1, "unpacked once");
    const provisioned = join(cluster.workDir, "provisioner", "containers");
    await eventually(
      "the container's rootfs to be removed",
      () => !existsSync(provisioned) || readdirSync(provisioned).length === 0,
    );
  });
});
