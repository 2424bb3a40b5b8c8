// The services framework deploys apps that run in a container image (issue 15) on a real
// cluster whose agents serve an offline-built busybox image from a tarball directory: a MESOS
// app and a DOCKER app (run by the Mesos containerizer from the same image), each busybox's
// httpd serving the image's /etc on its host port, become healthy through their HTTP health
// checks, and what they serve is the image's file, not the host's; a pod's containers run in
// the image too and share an ephemeral pod volume.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildBusyboxImage, busyboxUnavailable } from "../../agent/images/image-fixture.ts";
import { isHealthy, type TaskJson } from "./fixtures.ts";
import { api, eventually, type RealCluster, startRealCluster } from "./real-cluster.ts";

const skip =
  busyboxUnavailable() ??
  (process.getuid?.() === 0 ? undefined : "needs root for mount namespaces");

function imageApp(id: string, type: "MESOS" | "DOCKER") {
  return {
    id,
    cmd: "exec /bin/busybox httpd -f -p $PORT0 -h /etc",
    container: { type, docker: { image: "busybox" } },
    instances: 1,
    cpus: 0.1,
    mem: 64,
    portDefinitions: [{ port: 0, name: "http" }],
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

describe("services apps in a container image on a real cluster", { skip }, () => {
  let cluster: RealCluster;
  let base: string;
  let images: string;

  before(async () => {
    images = mkdtempSync(join(tmpdir(), "tessera-services-img-"));
    const built = buildBusyboxImage(join(images, "build"));
    cluster = await startRealCluster({
      isolation: "posix/cpu,posix/mem,filesystem/linux",
      image_providers: "docker",
      docker_registry: built.tarballDir,
      docker_store_dir: join(images, "store"),
    });
    base = (await cluster.startServices()).url;
  });
  after(async () => {
    await cluster?.close();
    rmSync(images, { recursive: true, force: true });
  });

  it("a pod of two busybox containers: each sees the image's files and they share an ephemeral volume", async () => {
    const reader =
      "until [ -f /data/note ]; do sleep 0.1; done; cat /data/note /etc/image-marker > $MESOS_SANDBOX/seen.txt; exec sleep 1000";
    const created = await api(base, "POST", "/v2/pods", {
      id: "/img-pod",
      volumes: [{ name: "data" }],
      containers: [
        {
          name: "writer",
          resources: { cpus: 0.1, mem: 32 },
          image: { kind: "DOCKER", id: "busybox" },
          exec: { command: { shell: "echo shared > /data/note; exec sleep 1000" } },
          volumeMounts: [{ name: "data", mountPath: "/data" }],
        },
        {
          name: "reader",
          resources: { cpus: 0.1, mem: 32 },
          image: { kind: "DOCKER", id: "busybox" },
          exec: { command: { shell: reader } },
          volumeMounts: [{ name: "data", mountPath: "/data", readOnly: true }],
        },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const seen = await eventually("the reader's file in its sandbox", async () => {
      for (const entry of readdirSync(cluster.dir, { recursive: true, encoding: "utf8" })) {
        if (entry.endsWith("seen.txt")) return readFileSync(join(cluster.dir, entry), "utf8");
      }
      return undefined;
    });
    // The writer's note through the shared volume, then the image's own file.
    assert.equal(seen, "shared\nfrom-the-image\n");
    assert.equal((await api(base, "DELETE", "/v2/pods/img-pod")).status, 202);
  });

  for (const type of ["MESOS", "DOCKER"] as const) {
    it(`a ${type} app with an image and an HTTP health check deploys to healthy, serving the image's files`, async () => {
      const id = `/img-${type.toLowerCase()}`;
      const created = await api(base, "POST", "/v2/apps", imageApp(id, type));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const task = await eventually(`${id} to be healthy`, async () => {
        const res = await api(base, "GET", `/v2/apps${id}/tasks`);
        const tasks = res.body.tasks as TaskJson[];
        return tasks.length === 1 && tasks.every(isHealthy) ? tasks[0] : undefined;
      });
      const res = await fetch(`http://127.0.0.1:${task?.ports[0]}/image-marker`);
      assert.equal(await res.text(), "from-the-image\n");
    });
  }
});
