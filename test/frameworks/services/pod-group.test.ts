// A pod instance's task group (pod-group.ts): a container with an image runs in it as a MESOS
// ContainerInfo, its volume mounts become Mesos volumes (ephemeral ones a path of the
// executor's sandbox shared through SANDBOX_PATH PARENT, host ones HOST_PATH); what cannot run
// here is refused when the pod is posted.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildPodGroup } from "../../../src/frameworks/services/pod-group.ts";
import { type PodApp, parsePod } from "../../../src/frameworks/services/pods.ts";

const cpus = { name: "cpus", type: "SCALAR", scalar: { value: 3 }, role: "*" } as const;
const mem = { name: "mem", type: "SCALAR", scalar: { value: 1024 }, role: "*" } as const;

function pod(raw: object): PodApp {
  const parsed = parsePod(raw, "*");
  assert.ok(parsed.ok, JSON.stringify(parsed.ok ? "" : parsed.failure.body));
  return parsed.app;
}

function group(app: PodApp) {
  return buildPodGroup({
    app,
    version: "v1",
    instanceId: "p.instance-1",
    incarnation: 1,
    agentId: "a1",
    host: "h",
    resources: [cpus as never, mem as never],
    hostPorts: [],
  });
}

describe("pod task groups", () => {
  it("a container with an image runs in it, and its mounts are the pod's volumes", () => {
    const app = pod({
      id: "/web",
      volumes: [{ name: "cache" }, { name: "logs", host: "/var/log/web" }],
      containers: [
        {
          name: "server",
          image: { kind: "DOCKER", id: "busybox", forcePull: true },
          exec: { command: { shell: "httpd -f" } },
          volumeMounts: [
            { name: "cache", mountPath: "/cache" },
            { name: "logs", mountPath: "/logs", readOnly: true },
          ],
        },
        { name: "helper", image: { kind: "DOCKER", id: "alpine" } },
        { name: "plain", exec: { command: { shell: "sleep 10" } } },
      ],
    });
    const [server, helper, plain] = group(app).tasks;
    assert.deepEqual(server?.container, {
      type: "MESOS",
      mesos: { image: { type: "DOCKER", docker: { name: "busybox" }, cached: false } },
      volumes: [
        {
          container_path: "/cache",
          mode: "RW",
          source: {
            type: "SANDBOX_PATH",
            sandbox_path: { type: "PARENT", path: "volumes/cache" },
          },
        },
        { container_path: "/logs", host_path: "/var/log/web", mode: "RO" },
      ],
    });
    assert.equal(server?.command?.value, "httpd -f");
    // No command: the image's Entrypoint and Cmd run.
    assert.deepEqual(helper?.container?.mesos, {
      image: { type: "DOCKER", docker: { name: "alpine" } },
    });
    assert.equal(helper?.command?.shell, false);
    assert.equal(helper?.command?.value, undefined);
    assert.equal(plain?.container, undefined, "no image: a child of the executor, as before");
    assert.equal(plain?.command?.value, "sleep 10");
  });

  it("what cannot run here is refused with 422 and the path: mounts without an image, unknown volumes, APPC images", () => {
    const refused = (containers: object[], volumes: object[] = []) => {
      const parsed = parsePod({ id: "/p", volumes, containers }, "*");
      assert.ok(!parsed.ok);
      assert.equal(parsed.failure.status, 422);
      return JSON.stringify(parsed.failure.body);
    };
    assert.match(
      refused(
        [
          {
            name: "a",
            exec: { command: { shell: "true" } },
            volumeMounts: [{ name: "v", mountPath: "v" }],
          },
        ],
        [{ name: "v" }],
      ),
      /containers\(0\)\/volumeMounts.*without an image/,
    );
    assert.match(
      refused([
        { name: "a", image: { id: "busybox" }, volumeMounts: [{ name: "nope", mountPath: "/x" }] },
      ]),
      /no pod volume is named 'nope'/,
    );
    assert.match(
      refused([{ name: "a", image: { kind: "APPC", id: "coreos.com/etcd" } }]),
      /image kind 'APPC' is not supported/,
    );
    assert.match(refused([{ name: "a" }]), /exec\/command\/shell/);
  });
});
