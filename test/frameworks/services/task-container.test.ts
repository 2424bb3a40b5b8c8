// An app's `container` reaches its TaskInfo (containers.md §1, §3): never dropped, which would
// run the command on the host as if the image were there.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { taskContainer } from "../../../src/frameworks/services/task-container.ts";
import { appDef } from "./fixtures.ts";

describe("an app's ContainerInfo", () => {
  test("a DOCKER app's task carries type DOCKER with its image, network, privileged and pull flag", () => {
    const app = appDef({
      id: "/web",
      cmd: "httpd -f",
      container: {
        type: "DOCKER",
        docker: { image: "busybox:1", network: "BRIDGE", forcePullImage: true },
        volumes: [{ containerPath: "/d", hostPath: "/srv/d", mode: "RO" }],
      },
    });
    assert.deepEqual(taskContainer(app), {
      type: "DOCKER",
      docker: {
        image: "busybox:1",
        network: "BRIDGE",
        privileged: false,
        force_pull_image: true,
      },
      volumes: [{ container_path: "/d", host_path: "/srv/d", mode: "RO" }],
    });
  });

  test("a MESOS app with a Docker image names it as mesos.image, forcePullImage as cached false", () => {
    const app = appDef({
      id: "/m",
      cmd: "true",
      container: { type: "MESOS", docker: { image: "alpine:3", forcePullImage: true } },
    });
    assert.deepEqual(taskContainer(app), {
      type: "MESOS",
      mesos: { image: { type: "DOCKER", docker: { name: "alpine:3" }, cached: false } },
      volumes: [],
    });
  });

  test("persistent volumes are left to the resources, and an app without container has none", () => {
    const app = appDef({
      id: "/p",
      cmd: "true",
      container: {
        type: "MESOS",
        volumes: [{ containerPath: "data", mode: "RW", persistent: { size: 10 } }],
      },
    });
    assert.deepEqual(taskContainer(app), { type: "MESOS", volumes: [] });
    assert.equal(taskContainer(appDef({ id: "/plain", cmd: "true" })), undefined);
  });
});
