// A task whose image the agent pulls from a real registry on loopback (issue 15):
// `--docker_registry=http://127.0.0.1:PORT`, the offline-built busybox pushed there by skopeo.
// The task runs in it (it reads the image's own file); an image the registry lacks is
// TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED naming it.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildBusyboxImage, busyboxUnavailable } from "../images/image-fixture.ts";
import { type Registry, registryUnavailable, startRegistry } from "../images/registry-fixture.ts";
import { type Cluster, startCluster, terminal } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

const skip =
  busyboxUnavailable() ??
  registryUnavailable() ??
  (process.getuid?.() === 0 ? undefined : "needs root for mount namespaces");

describe("tasks in an image pulled from a registry", { skip }, () => {
  let cluster: Cluster;
  let registry: Registry;
  let work: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "tessera-imgregistry-"));
    const built = buildBusyboxImage(join(work, "build"));
    registry = await startRegistry(join(work, "registry"));
    registry.push(built.ociDir, "team/busybox:1");
    cluster = await startCluster("imgregistry", {
      isolation: "posix/cpu,posix/mem,filesystem/linux",
      image_providers: "docker",
      docker_registry: registry.url,
      docker_store_dir: join(work, "store"),
    });
  });
  after(async () => {
    await cluster?.stop();
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const image = (name: string) => ({
    type: "MESOS",
    mesos: { image: { type: "DOCKER", docker: { name } } },
  });

  it("pulls the image and runs the task in it", async () => {
    await cluster.launch([
      commandTask("pulled", "cat /etc/image-marker", { container: image("team/busybox:1") }),
    ]);
    const end = await terminal(cluster.framework, "pulled", 60_000);
    assert.equal(end.state, "TASK_FINISHED", end.status.message);
    const sandbox = cluster.sandbox("pulled") ?? "";
    assert.equal(readFileSync(join(sandbox, "stdout"), "utf8"), "from-the-image\n");
  });

  it("an image the registry does not have is TASK_FAILED naming it", async () => {
    await cluster.launch([commandTask("missing", "true", { container: image("team/nosuch:1") })]);
    const end = await terminal(cluster.framework, "missing", 60_000);
    assert.equal(end.state, "TASK_FAILED");
    assert.equal(end.status.reason, "REASON_CONTAINER_LAUNCH_FAILED");
    assert.match(end.status.message ?? "", /Failed to pull image 'team\/nosuch:1'.*404/);
  });
});
