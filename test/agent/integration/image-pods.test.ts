// Task groups (pods) whose tasks name their own image, with a real master and agent: the
// default executor runs each such task as a nested container the agent provisions (Mesos
// supports an image per task of a group), which sees its image's /etc, not the host's; tasks
// share paths of the executor's sandbox through SANDBOX_PATH volumes of type PARENT (one
// writes, the other reads); a task that asks for what cannot be given (type DOCKER: refused by
// the master; volumes without an image: by the executor) fails without running. Afterwards no mount of the work dir is left on the host and the
// nested containers' rootfses are gone. The image is built offline (image-fixture.ts).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually } from "../../support/eventually.ts";
import { buildBusyboxImage, busyboxUnavailable } from "../images/image-fixture.ts";
import { type Cluster, startCluster, terminal } from "./cluster.ts";
import type { Loose } from "./helpers.ts";

const skip =
  busyboxUnavailable() ??
  (process.getuid?.() === 0 ? undefined : "needs root for mount namespaces");
/** The executor is a whole Node.js process started through tsx: slow on a loaded machine. */
const START_MS = 90_000;

const scalar = (name: string, value: number) => ({ name, type: "SCALAR", scalar: { value } });

/** A task in the busybox image with the executor's `shared` directory at /shared. */
function imageTask(id: string, script: string): Loose {
  return {
    name: id,
    task_id: { value: id },
    resources: [scalar("cpus", 0.1), scalar("mem", 32)],
    command: { value: script },
    container: {
      type: "MESOS",
      mesos: { image: { type: "DOCKER", docker: { name: "busybox" } } },
      volumes: [
        {
          container_path: "/shared",
          mode: "RW",
          source: { type: "SANDBOX_PATH", sandbox_path: { type: "PARENT", path: "shared" } },
        },
      ],
    },
  };
}

describe("task groups whose tasks have their own image", { skip }, () => {
  let cluster: Cluster;
  let images: string;

  before(async () => {
    images = mkdtempSync(join(tmpdir(), "tessera-imgpods-"));
    const built = buildBusyboxImage(join(images, "build"));
    cluster = await startCluster("imgpods", {
      isolation: "posix/cpu,posix/mem,filesystem/linux,namespaces/pid",
      image_providers: "docker",
      docker_registry: built.tarballDir,
      docker_store_dir: join(images, "store"),
    });
  });

  after(async () => {
    await cluster?.stop();
    rmSync(images, { recursive: true, force: true });
  });

  /** Launches `tasks` as one group on the default executor `executorId`. */
  async function launchGroup(executorId: string, tasks: Loose[]): Promise<void> {
    const offer = await cluster.framework.offerWithRoom(0.3, 192);
    const res = await cluster.framework.scheduler.call({
      type: "ACCEPT",
      accept: {
        offer_ids: [offer.id],
        operations: [
          {
            type: "LAUNCH_GROUP",
            launch_group: {
              executor: {
                type: "DEFAULT",
                executor_id: { value: executorId },
                framework_id: { value: cluster.framework.id },
                resources: [scalar("cpus", 0.1), scalar("mem", 128)],
              },
              task_group: { tasks: tasks.map((t) => ({ ...t, agent_id: offer.agent_id })) },
            },
          },
        ],
        filters: { refuse_seconds: 0 },
      },
    });
    assert.equal(res.status, 202, res.body);
  }

  async function leftNothing(): Promise<void> {
    const mounts = readFileSync("/proc/self/mountinfo", "utf8");
    assert.ok(!mounts.includes(cluster.workDir), "no mount of the work dir is left on the host");
    const provisioned = join(cluster.workDir, "provisioner", "containers");
    await eventually(
      "the nested containers' rootfses to be removed",
      () => !existsSync(provisioned) || readdirSync(provisioned).length === 0,
    );
  }

  it("a task in a busybox image sees the image's /etc; two tasks share a PARENT sandbox volume", async () => {
    await launchGroup("pod-images", [
      imageTask(
        "in-image",
        "cat /etc/image-marker > /shared/etc.txt; test -e /etc/debian_version && echo host >> /shared/etc.txt; echo hello > /shared/msg",
      ),
      imageTask(
        "reader",
        "for i in $(seq 300); do test -f /shared/msg && break; sleep 0.1; done; cat /shared/msg > /shared/reply",
      ),
    ]);
    const first = await terminal(cluster.framework, "in-image", START_MS);
    assert.equal(first.state, "TASK_FINISHED", first.status.message);
    const second = await terminal(cluster.framework, "reader", START_MS);
    assert.equal(second.state, "TASK_FINISHED", second.status.message);
    const sandbox = cluster.sandbox("pod-images");
    assert.ok(sandbox !== undefined, "the executor's sandbox");
    assert.equal(readFileSync(join(sandbox, "shared", "etc.txt"), "utf8"), "from-the-image\n");
    assert.equal(readFileSync(join(sandbox, "shared", "reply"), "utf8"), "hello\n");
    // Each nested container has its own sandbox below the executor's.
    assert.equal(readdirSync(join(sandbox, "containers")).length, 2);
    await leftNothing();
  });

  it("a task whose image command fails is TASK_FAILED and its group is killed", async () => {
    await launchGroup("pod-fails", [
      imageTask("fails", "exit 3"),
      imageTask("sleeper", "sleep 600"),
    ]);
    const failed = await terminal(cluster.framework, "fails", START_MS);
    assert.equal(failed.state, "TASK_FAILED");
    assert.match(String(failed.status.message), /status 3/);
    const killed = await terminal(cluster.framework, "sleeper", START_MS);
    assert.equal(killed.state, "TASK_KILLED", killed.status.message);
    await leftNothing();
  });

  it("a task with a DOCKER ContainerInfo, or volumes but no image of its own, fails without running", async () => {
    const marker = (id: string) => `touch ${join(cluster.workDir, `${id}.ran`)}`;
    // The master refuses the first group whole, as Mesos's does; the executor the second.
    await launchGroup("pod-docker", [
      {
        ...imageTask("docker-type", marker("docker-type")),
        container: { type: "DOCKER", docker: { image: "busybox" } },
      },
    ]);
    const docker = await terminal(cluster.framework, "docker-type", START_MS);
    assert.equal(docker.state, "TASK_ERROR", docker.status.message);
    assert.equal(docker.status.reason, "REASON_TASK_GROUP_INVALID");
    assert.match(String(docker.status.message), /Docker ContainerInfo is not supported/);
    await launchGroup("pod-refused", [
      {
        ...imageTask("no-image", marker("no-image")),
        container: { ...imageTask("x", "").container, mesos: undefined },
      },
    ]);
    const noImage = await terminal(cluster.framework, "no-image", START_MS);
    assert.equal(noImage.state, "TASK_FAILED");
    assert.match(String(noImage.status.message), /volumes of a task without an image/);
    assert.equal(existsSync(join(cluster.workDir, "docker-type.ran")), false);
    assert.equal(existsSync(join(cluster.workDir, "no-image.ran")), false);
  });
});
