// The DOCKER app with BRIDGE port mappings and an HTTP health check that both containerizers
// must deploy to healthy (issue 15): busybox's httpd of the offline-built image listens on its
// container port, the offered host port maps to it, the health check passes on the host port
// and a client reads the image's file there. Shared by integration-docker.test.ts (the Docker
// containerizer) and integration-docker-cni.test.ts (the Mesos containerizer over CNI).
import assert from "node:assert/strict";
import { isHealthy, type TaskJson } from "./fixtures.ts";
import { api, eventually } from "./real-cluster.ts";

export const CONTAINER_PORT = 8080;

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

/** Deploys the app to healthy, reads the image's file through its host port; returns it. */
export async function deployBridgeApp(base: string): Promise<number> {
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
  return hostPort;
}

export async function removeBridgeApp(base: string): Promise<void> {
  const deleted = await api(base, "DELETE", "/v2/apps/docker-bridge");
  assert.ok(deleted.status < 300, JSON.stringify(deleted.body));
  await eventually("the app's task to be gone", async () => {
    const res = await api(base, "GET", "/v2/apps/docker-bridge/tasks");
    // Any value but undefined ends the wait, false included.
    return res.status === 404 || (res.body.tasks as TaskJson[]).length === 0 ? true : undefined;
  });
}
