// An agent killed -9 with a task running in a container image (issue 15): the task's process
// lives on in its rootfs; the restarted agent recovers it (TASK_RUNNING, same process), a kill
// then ends it, and its rootfs goes with it, leaving no mount of the work dir on the host.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { eventually } from "../../support/eventually.ts";
import { buildBusyboxImage, busyboxUnavailable } from "../images/image-fixture.ts";
import { processClusterForSuite } from "./agent-process.ts";
import { alive, commandTask, type Loose } from "./helpers.ts";

const skip =
  busyboxUnavailable() ??
  (process.getuid?.() === 0 ? undefined : "needs root for mount namespaces");

describe("agent recovery with a task in an image", { skip }, () => {
  const images = mkdtempSync(join(tmpdir(), "tessera-imgrecover-"));
  const built = skip === undefined ? buildBusyboxImage(join(images, "build")) : undefined;
  const taskPids: number[] = [];
  let workDir = "";
  const cluster = processClusterForSuite("posix/cpu,posix/mem,filesystem/linux", {
    leftoverPids: () => taskPids,
    flags: (dir) => {
      workDir = dir;
      return {
        image_providers: "docker",
        docker_registry: built?.tarballDir ?? "",
        docker_store_dir: join(images, "store"),
      };
    },
  });
  after(() => rmSync(images, { recursive: true, force: true }));

  it("keeps the image task across kill -9, recovers it, and cleans up its rootfs once it is killed", async () => {
    const { framework } = cluster;
    const offer = await framework.offer();
    await framework.launch(offer, [
      commandTask(
        "img",
        "cat /etc/image-marker; echo $$ > $MESOS_SANDBOX/task.pid; exec sleep 1000",
        {
          container: {
            type: "MESOS",
            mesos: { image: { type: "DOCKER", docker: { name: "busybox" } } },
          },
        },
      ),
    ]);
    await framework.state("img", "TASK_RUNNING");
    const state = (await (await fetch(`${cluster.agent?.url}/state`)).json()) as Loose;
    const sandbox: string = state.frameworks[0].executors[0].directory;
    const pidFile = join(sandbox, "task.pid");
    await eventually("the task to write its pid", () => existsSync(pidFile));
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    taskPids.push(pid);
    assert.equal(readFileSync(join(sandbox, "stdout"), "utf8"), "from-the-image\n");

    await cluster.kill9();
    assert.ok(alive(pid), "the image task died with the agent");
    const agent = await cluster.start();
    const after = (await (await fetch(`${agent.url}/state`)).json()) as Loose;
    const tasks = after.frameworks[0].executors.flatMap((e: Loose) => e.tasks);
    assert.deepEqual(
      tasks.map((t: Loose) => [t.id, t.state]),
      [["img", "TASK_RUNNING"]],
    );
    assert.ok(alive(pid));

    await framework.kill(offer.agent_id, "img");
    await framework.state("img", "TASK_KILLED");
    await eventually("the task process to end", () => !alive(pid));
    const provisioned = join(workDir, "provisioner", "containers");
    await eventually(
      "the rootfs to be removed",
      () => !existsSync(provisioned) || readdirSync(provisioned).length === 0,
    );
    assert.ok(!readFileSync("/proc/self/mountinfo", "utf8").includes(workDir), "no mount left");
  });
});
