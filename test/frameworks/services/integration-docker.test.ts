// The services framework deploys a DOCKER app with BRIDGE port mappings and an HTTP health
// check to healthy through the Docker containerizer (issue 15): agents started with
// --containerizers=docker,mesos share a private Docker engine (Debian's docker.io, its own
// data root, socket and bridge) holding the offline-built busybox image; busybox's httpd
// listens on its container port, the engine maps the offered host port to it, the health
// check passes on the host port, what it serves is the image's file, and its container goes
// with the app.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildBusyboxImage, busyboxUnavailable } from "../../agent/images/image-fixture.ts";
import { dockerSkip, startDockerEngine, type TestEngine } from "../../support/docker-engine.ts";
import { isHealthy, type TaskJson } from "./fixtures.ts";
import { api, eventually, type RealCluster, startRealCluster } from "./real-cluster.ts";

const skip = busyboxUnavailable() ?? dockerSkip();

const CONTAINER_PORT = 8080;

function bridgeApp() {
  return {
    id: "/docker-bridge",
    cmd: `exec /bin/busybox httpd -f -p ${CONTAINER_PORT} -h /etc`,
    container: {
      type: "DOCKER",
      docker: { image: "busybox:latest" },
      portMappings: [{ containerPort: CONTAINER_PORT, hostPort: 0, name: "http" }],
    },
    networks: [{ mode: "container/bridge" }],
    instances: 1,
    cpus: 0.1,
    mem: 64,
    healthChecks: [
      {
        protocol: "HTTP",
        path: "/image-marker",
        portIndex: 0,
        gracePeriodSeconds: 30,
        intervalSeconds: 1,
        timeoutSeconds: 1,
        maxConsecutiveFailures: 0,
      },
    ],
  };
}

/** Deploys the app to healthy and reads the image's file through its host port. */
async function deployBridgeApp(base: string): Promise<void> {
  const created = await api(base, "POST", "/v2/apps", bridgeApp());
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const task = await eventually("the app to be healthy", async () => {
    const res = await api(base, "GET", "/v2/apps/docker-bridge/tasks");
    const tasks = res.body.tasks as TaskJson[];
    return tasks.length === 1 && tasks.every(isHealthy) ? tasks[0] : undefined;
  }).catch(async (error: Error) => {
    // What went wrong, for the failure's message: the app's last task failure and its tasks.
    const app = await api(base, "GET", "/v2/apps/docker-bridge?embed=apps.lastTaskFailure");
    const tasks = await api(base, "GET", "/v2/apps/docker-bridge/tasks");
    throw new Error(`${error.message}: ${JSON.stringify([app.body, tasks.body])}`);
  });
  const hostPort = task?.ports[0];
  assert.ok(hostPort !== undefined && hostPort !== CONTAINER_PORT);
  const res = await fetch(`http://127.0.0.1:${hostPort}/image-marker`);
  assert.equal(await res.text(), "from-the-image\n");
}

async function removeApp(base: string): Promise<void> {
  const deleted = await api(base, "DELETE", "/v2/apps/docker-bridge");
  assert.ok(deleted.status < 300, JSON.stringify(deleted.body));
  await eventually("the app's task to be gone", async () => {
    const res = await api(base, "GET", "/v2/apps/docker-bridge/tasks");
    return res.status === 404 || (res.body.tasks as TaskJson[]).length === 0;
  });
}

describe("a DOCKER app with BRIDGE port mappings on the Docker containerizer", { skip }, () => {
  let cluster: RealCluster | undefined;
  let engine: TestEngine | undefined;
  let base: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tessera-services-docker-"));
    engine = await startDockerEngine(join(dir, "engine"), {
      bridge: { name: "tssd-br0", address: "172.30.252.1/24" },
    });
    const built = buildBusyboxImage(join(dir, "image"));
    await engine.load(join(built.tarballDir, "busybox:latest.tar"));
    cluster = await startRealCluster({
      isolation: "posix/cpu,posix/mem",
      containerizers: "docker,mesos",
      docker_socket: engine.socket,
      docker_remove_delay: "0secs",
      // The agents share the engine: none may take the others' containers for orphans.
      docker_kill_orphans: "false",
    });
    base = (await cluster.startServices()).url;
  });
  after(async () => {
    await cluster?.close();
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("deploys to healthy, the health check and a client reaching the container on its host port", async () => {
    await deployBridgeApp(base);
    const listed = await engine?.engine.list("mesos-");
    assert.ok(listed?.ok && listed.value.length === 1, "one mesos-* container runs it");
    await removeApp(base);
    await eventually("its container to be removed", async () => {
      const left = await engine?.engine.list("mesos-");
      return left?.ok === true && left.value.length === 0;
    });
  });
});
