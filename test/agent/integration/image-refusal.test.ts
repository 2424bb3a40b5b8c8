// Issue 15, first step: a task whose ContainerInfo names an image (type DOCKER; MESOS with an
// image; an image volume) or container volumes never runs on the host. With a real master and
// agent it ends TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED, with a message naming the image,
// and its command never ran (the marker file it would write is absent); no process is left.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Cluster, processesWith, startCluster, terminal } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

describe("a ContainerInfo with an image on an agent without image support", () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster("imgrefuse", { isolation: "posix/cpu,posix/mem" });
  });

  after(async () => {
    await cluster.stop();
  });

  async function assertRefused(taskId: string, container: unknown, message: RegExp) {
    const marker = join(tmpdir(), `tessera-imgrefuse-${process.pid}-${taskId}`);
    const command = `touch ${marker}; sleep 1000 # ${marker}`;
    await cluster.launch([commandTask(taskId, command, { container })]);
    const end = await terminal(cluster.framework, taskId);
    assert.equal(end.state, "TASK_FAILED");
    assert.equal(end.status.reason, "REASON_CONTAINER_LAUNCH_FAILED");
    assert.match(end.status.message ?? "", message);
    assert.match(end.status.message ?? "", /not run/);
    assert.equal(existsSync(marker), false, "the command never ran on the host");
    assert.deepEqual(processesWith(marker), [], "no stray process");
  }

  it("type DOCKER is TASK_FAILED naming the image, and its command never runs on the host", async () => {
    await assertRefused(
      "docker-image",
      { type: "DOCKER", docker: { image: "busybox:latest" } },
      /DOCKER.*'busybox:latest'/,
    );
  });

  it("type MESOS with an image is TASK_FAILED naming the image", async () => {
    await assertRefused(
      "mesos-image",
      { type: "MESOS", mesos: { image: { type: "DOCKER", docker: { name: "alpine:3" } } } },
      /'alpine:3'/,
    );
  });

  it("container volumes are TASK_FAILED naming the container path rather than ignored", async () => {
    await assertRefused(
      "host-volume",
      { type: "MESOS", volumes: [{ container_path: "/data", host_path: "/srv", mode: "RO" }] },
      /'\/data'/,
    );
  });

  it("type MESOS with neither image nor volumes still runs on the host, as in Mesos", async () => {
    await cluster.launch([commandTask("mesos-plain", "true", { container: { type: "MESOS" } })]);
    const end = await terminal(cluster.framework, "mesos-plain");
    assert.equal(end.state, "TASK_FINISHED", end.status.message);
  });
});
