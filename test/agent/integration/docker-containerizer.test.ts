// The Docker containerizer (issue 15) against a real, private Docker engine (Debian's
// docker.io, its own data root and socket) holding the busybox image built offline: a DOCKER
// task runs in the image with its sandbox at /mnt/mesos/sandbox and its output in the sandbox,
// its exit code decides its state, a kill stops it, an agent killed -9 re-attaches to its
// running `mesos-*` container, an unknown `mesos-*` container is removed as an orphan, and no
// container is left in the engine.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DockerEngine } from "../../../src/agent/docker/engine.ts";
import { scalar } from "../../master/scheduler-calls.ts";
import { dockerSkip, startDockerEngine, type TestEngine } from "../../support/docker-engine.ts";
import { eventually } from "../../support/eventually.ts";
import { buildBusyboxImage, busyboxUnavailable } from "../images/image-fixture.ts";
import { processClusterForSuite } from "./agent-process.ts";
import { commandTask, type Loose } from "./helpers.ts";

const skip = busyboxUnavailable() ?? dockerSkip();

const DOCKER = { type: "DOCKER", docker: { image: "busybox:latest" } };

function dockerTask(id: string, command: string, docker: Loose = DOCKER, extra: Loose = {}) {
  return commandTask(id, command, { container: docker, ...extra });
}

describe("the Docker containerizer with a real engine", { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "tessera-docker-"));
  let engine: TestEngine | undefined;
  // The engine's socket is known before it starts: the agent's flags are computed first.
  const socket = join(dir, "engine", "docker.sock");
  before(async () => {
    engine = await startDockerEngine(join(dir, "engine"), {
      bridge: { name: "tsdk-br0", address: "172.30.251.1/24" },
    });
    const built = buildBusyboxImage(join(dir, "image"));
    await engine.load(join(built.tarballDir, "busybox:latest.tar"));
  });
  const cluster = processClusterForSuite("posix/cpu,posix/mem", {
    flags: () => ({
      containerizers: "docker,mesos",
      docker_socket: socket,
      docker_remove_delay: "0secs",
      docker_stop_timeout: "1secs",
    }),
  });
  after(async () => {
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const mesosContainers = async () => {
    const listed = await new DockerEngine(socket).list("mesos-");
    assert.ok(listed.ok);
    return listed.value;
  };

  const sandboxOf = (taskId: string): Promise<string> =>
    eventually(`the executor of ${taskId} to show in /state`, async () => {
      const state = (await (await fetch(`${cluster.agent?.url}/state`)).json()) as Loose;
      const executors = [...state.frameworks, ...state.completed_frameworks].flatMap((f: Loose) => [
        ...f.executors,
        ...f.completed_executors,
      ]);
      const executor = executors.find((e: Loose) =>
        [...e.tasks, ...e.completed_tasks].some((t: Loose) => t.id === taskId),
      );
      return executor?.directory as string | undefined;
    });

  it("runs a DOCKER task in the image, with the sandbox at /mnt/mesos/sandbox, to TASK_FINISHED", async () => {
    const { framework } = cluster;
    const offer = await framework.offer();
    await framework.launch(offer, [
      dockerTask(
        "in-image",
        "cat /etc/image-marker; echo $MESOS_SANDBOX; echo oops >&2; touch /mnt/mesos/sandbox/made",
      ),
    ]);
    await framework.state("in-image", "TASK_FINISHED", 30_000);
    const sandbox = await sandboxOf("in-image");
    assert.equal(
      readFileSync(join(sandbox, "stdout"), "utf8"),
      "from-the-image\n/mnt/mesos/sandbox\n",
    );
    assert.equal(readFileSync(join(sandbox, "stderr"), "utf8"), "oops\n");
    assert.equal(readFileSync(join(sandbox, "made"), "utf8"), "");
    await eventually(
      "the container to be removed",
      async () => (await mesosContainers()).length === 0,
    );
  });

  it("ends a task whose command exits non-zero TASK_FAILED", async () => {
    const { framework } = cluster;
    const offer = await framework.offer();
    await framework.launch(offer, [dockerTask("exits-3", "exit 3")]);
    const update = await framework.state("exits-3", "TASK_FAILED", 30_000);
    assert.match(String(update.status.message ?? ""), /3/);
  });

  it("fails a task whose image the engine cannot find with REASON_CONTAINER_LAUNCH_FAILED", async () => {
    const { framework } = cluster;
    const offer = await framework.offer();
    await framework.launch(offer, [
      dockerTask("no-image", "true", {
        type: "DOCKER",
        docker: { image: "127.0.0.1:1/nothing:here" },
      }),
    ]);
    const update = await framework.state("no-image", "TASK_FAILED", 30_000);
    assert.equal(update.status.reason, "REASON_CONTAINER_LAUNCH_FAILED");
    assert.match(String(update.status.message), /Failed to pull image/);
  });

  it("kills a running DOCKER task, and its container goes", async () => {
    const { framework } = cluster;
    const offer = await framework.offer();
    await framework.launch(offer, [dockerTask("killed", "exec sleep 1000")]);
    await framework.state("killed", "TASK_RUNNING", 30_000);
    assert.equal((await mesosContainers()).length, 1);
    await framework.kill(offer.agent_id, "killed");
    await framework.state("killed", "TASK_KILLED", 30_000);
    await eventually(
      "the container to be removed",
      async () => (await mesosContainers()).length === 0,
    );
  });

  it("serves HTTP from a BRIDGE container on its mapped host port", async () => {
    const { framework } = cluster;
    // Resources freed by earlier tests come back as offers of their own: take them all, up
    // to one that has the ports.
    const offers: Loose[] = [];
    while (!offers.some((o) => o.resources.some((r: Loose) => r.name === "ports"))) {
      offers.push(await framework.offer());
    }
    const offer = offers[0];
    const port = 31077;
    await framework.launch(offers, [
      dockerTask(
        "httpd",
        "echo hello > /tmp/index.html; exec busybox httpd -f -p 8080 -h /tmp",
        {
          type: "DOCKER",
          docker: {
            image: "busybox:latest",
            network: "BRIDGE",
            port_mappings: [{ host_port: port, container_port: 8080, protocol: "tcp" }],
          },
        },
        {
          resources: [
            scalar("cpus", 0.1),
            scalar("mem", 32),
            { name: "ports", type: "RANGES", ranges: { range: [{ begin: port, end: port }] } },
          ],
        },
      ),
    ]);
    await framework.state("httpd", "TASK_RUNNING", 30_000);
    const body = await eventually("the server to answer", async () => {
      const r = await fetch(`http://127.0.0.1:${port}/index.html`).catch(() => undefined);
      return r?.ok === true ? await r.text() : undefined;
    });
    assert.equal(body, "hello\n");
    await framework.kill(offer.agent_id, "httpd");
    await framework.state("httpd", "TASK_KILLED", 30_000);
  });

  it("re-attaches to a running container after the agent is killed -9, and removes orphans", async () => {
    const { framework } = cluster;
    const offer = await framework.offer();
    await framework.launch(offer, [dockerTask("survives", "echo before; exec sleep 1000")]);
    await framework.state("survives", "TASK_RUNNING", 30_000);
    const [container] = await mesosContainers();
    assert.ok(container !== undefined);
    // A `mesos-*` container no agent knows: an orphan for --docker_kill_orphans.
    const api = new DockerEngine(socket);
    const orphan = await api.create("mesos-orphan-1", {
      Image: "busybox:latest",
      Cmd: ["sleep", "1000"],
    });
    assert.ok(orphan.ok);
    assert.ok((await api.start(orphan.value.Id)).ok);

    await cluster.kill9();
    const agent = await cluster.start();
    const state = (await (await fetch(`${agent.url}/state`)).json()) as Loose;
    const tasks = state.frameworks[0].executors.flatMap((e: Loose) => e.tasks);
    assert.deepEqual(
      tasks.map((t: Loose) => [t.id, t.state]),
      [["survives", "TASK_RUNNING"]],
    );
    const left = await mesosContainers();
    assert.deepEqual(
      left.map((c) => c.Id),
      [container.Id],
      "the same container runs on, and the orphan is gone",
    );
    const sandbox = await sandboxOf("survives");
    await eventually(
      "the log to be copied again, whole and once",
      () => readFileSync(join(sandbox, "stdout"), "utf8") === "before\n",
    );

    await framework.kill(offer.agent_id, "survives");
    await framework.state("survives", "TASK_KILLED", 30_000);
    await eventually(
      "the container to be removed",
      async () => (await mesosContainers()).length === 0,
    );
  });
});
