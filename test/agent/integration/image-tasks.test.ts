// Tasks in a container image (issue 15) with a real master and agent: an offline-built busybox
// image served from a tarball directory (`--docker_registry=<dir>`). The task sees the image's
// /etc, not the host's; whiteouts hide files; the image's Env and WorkingDir apply and its
// Entrypoint and Cmd merge with the CommandInfo; MESOS_SANDBOX is /mnt/mesos/sandbox, shared
// with the host sandbox; type DOCKER runs from the same image here; COMMAND health checks and
// checks run inside the image; an RO image volume is bound read-only, an RW one is the
// container's own copy; an unknown image is
// TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED. After each task: no mount of the work dir
// is left on the host and the container's rootfs is removed.
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually } from "../../support/eventually.ts";
import { buildBusyboxImage, busyboxUnavailable } from "../images/image-fixture.ts";
import { type Cluster, startCluster, terminal } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

const skip =
  busyboxUnavailable() ??
  (process.getuid?.() === 0 ? undefined : "needs root for mount namespaces");

describe("tasks in a container image", { skip }, () => {
  let cluster: Cluster;
  let images: string;

  before(async () => {
    images = mkdtempSync(join(tmpdir(), "tessera-imgtasks-"));
    const built = buildBusyboxImage(join(images, "build"), {
      Entrypoint: ["/bin/echo", "entry"],
      Cmd: ["cmd"],
      WorkingDir: "/opt",
    });
    cluster = await startCluster("imgtasks", {
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

  const MESOS = {
    type: "MESOS",
    mesos: { image: { type: "DOCKER", docker: { name: "busybox" } } },
  };

  async function run(taskId: string, command: Record<string, unknown>, container: unknown = MESOS) {
    await cluster.launch([commandTask(taskId, "", { command, container })]);
    const end = await terminal(cluster.framework, taskId, 60_000);
    const sandbox = cluster.sandbox(taskId);
    const stdout = sandbox === undefined ? "" : readFileSync(join(sandbox, "stdout"), "utf8");
    const mounts = readFileSync("/proc/self/mountinfo", "utf8");
    assert.ok(!mounts.includes(cluster.workDir), "no mount of the work dir is left on the host");
    const provisioned = join(cluster.workDir, "provisioner", "containers");
    await eventually(
      "the container's rootfs to be removed",
      () => !existsSync(provisioned) || readdirSync(provisioned).length === 0,
    );
    return { end, stdout, sandbox };
  }

  it("sees the image's /etc, not the host's, with the whiteouts applied", async () => {
    const { end, stdout } = await run("etc", {
      value:
        "cat /etc/image-marker; test -e /etc/removeme && echo removeme; ls /opt/dir; " +
        "test -e /etc/debian_version && echo host-etc; echo done",
    });
    assert.equal(end.state, "TASK_FINISHED", `${end.status.message} ${stdout}`);
    assert.equal(stdout, "from-the-image\nc\ndone\n");
  });

  it("runs in the image's WorkingDir with its Env, the sandbox at /mnt/mesos/sandbox", async () => {
    const { end, stdout, sandbox } = await run("env", {
      value: 'pwd; echo "$IMAGE_VAR $MESOS_SANDBOX"; echo written > "$MESOS_SANDBOX/out"',
      environment: { variables: [{ name: "TASK_VAR", value: "t" }] },
    });
    assert.equal(end.state, "TASK_FINISHED", end.status.message);
    assert.equal(stdout, "/opt\nimage /mnt/mesos/sandbox\n");
    assert.equal(readFileSync(join(sandbox ?? "", "out"), "utf8"), "written\n");
  });

  it("a CommandInfo with no value runs the Entrypoint then Cmd, or then its arguments", async () => {
    const plain = await run("entry-cmd", { shell: false });
    assert.equal(plain.end.state, "TASK_FINISHED", plain.end.status.message);
    assert.equal(plain.stdout, "entry cmd\n");
    const args = await run("entry-args", { shell: false, arguments: ["a", "b"] });
    assert.equal(args.stdout, "entry a b\n");
  });

  it("what a task writes in the image's / is its own: the next task from the image does not see it", async () => {
    const first = await run("writer", { value: "echo mine > /etc/written && cat /etc/written" });
    assert.equal(first.stdout, "mine\n", first.end.status.message);
    const second = await run("reader", {
      value: "test -e /etc/written && echo seen; echo checked",
    });
    assert.equal(second.stdout, "checked\n");
  });

  it("HOST_PATH volumes are bound RW and RO, SANDBOX_PATH SELF below the sandbox", async () => {
    const host = join(images, "host-data");
    mkdirSync(host, { recursive: true });
    writeFileSync(join(host, "in"), "from-host\n");
    const container = {
      ...MESOS,
      volumes: [
        {
          container_path: "/rw",
          mode: "RW",
          source: { type: "HOST_PATH", host_path: { path: host } },
        },
        { container_path: "/ro", mode: "RO", host_path: host },
        {
          container_path: "/shared",
          mode: "RW",
          source: { type: "SANDBOX_PATH", sandbox_path: { type: "SELF", path: "data" } },
        },
      ],
    };
    const { end, stdout, sandbox } = await run(
      "volumes",
      {
        value:
          "cat /rw/in; echo back > /rw/out; echo x > /ro/denied 2>/dev/null || echo ro-refused; " +
          "echo s > /shared/s",
      },
      container,
    );
    assert.equal(end.state, "TASK_FINISHED", end.status.message);
    assert.equal(stdout, "from-host\nro-refused\n");
    assert.equal(readFileSync(join(host, "out"), "utf8"), "back\n");
    assert.equal(existsSync(join(host, "denied")), false);
    assert.equal(readFileSync(join(sandbox ?? "", "data", "s"), "utf8"), "s\n");
  });

  it("an RO image volume is the image's root, read-only; an RW one is the container's own copy", async () => {
    const { end, stdout } = await run(
      "imgvol",
      { value: "cat /img/etc/image-marker; ls /img/opt/dir; touch /img/x 2>/dev/null || echo ro" },
      {
        ...MESOS,
        volumes: [
          {
            container_path: "/img",
            mode: "RO",
            image: { type: "DOCKER", docker: { name: "busybox" } },
          },
        ],
      },
    );
    assert.equal(end.state, "TASK_FINISHED", `${end.status.message} ${stdout}`);
    assert.equal(
      stdout,
      "from-the-image\nc\nro\n",
      "the image's files, whiteouts applied, read-only",
    );
    // RW (Mesos provisions each image volume for its container): the container's own copy.
    const rwVolume = {
      ...MESOS,
      volumes: [
        {
          container_path: "/img",
          mode: "RW",
          image: { type: "DOCKER", docker: { name: "busybox" } },
        },
      ],
    };
    const rw = await run(
      "imgvol-rw",
      { value: "cat /img/etc/image-marker; echo mine > /img/etc/written && cat /img/etc/written" },
      rwVolume,
    );
    assert.equal(rw.end.state, "TASK_FINISHED", `${rw.end.status.message} ${rw.stdout}`);
    assert.equal(rw.stdout, "from-the-image\nmine\n");
    const next = await run(
      "imgvol-rw-next",
      {
        value: "test -e /img/etc/written && echo seen; echo checked",
      },
      rwVolume,
    );
    assert.equal(next.stdout, "checked\n", "the write went with the first container's copy");
    const ro = await run(
      "imgvol-ro-after",
      { value: "test -e /img/etc/written && echo seen; echo checked" },
      {
        ...MESOS,
        volumes: [
          {
            container_path: "/img",
            mode: "RO",
            image: { type: "DOCKER", docker: { name: "busybox" } },
          },
        ],
      },
    );
    assert.equal(ro.stdout, "checked\n", "the store's unpacked copy was not written through");
  });

  it("a relative volume container_path that leaves the sandbox is TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED", async () => {
    const container = {
      ...MESOS,
      volumes: [{ container_path: "../../../etc", mode: "RW", host_path: "/tmp" }],
    };
    await cluster.launch([commandTask("escape", "true", { container })]);
    const end = await terminal(cluster.framework, "escape");
    assert.equal(end.state, "TASK_FAILED");
    assert.equal(end.status.reason, "REASON_CONTAINER_LAUNCH_FAILED");
    assert.match(end.status.message ?? "", /outside the container's rootfs/);
  });

  it("type DOCKER runs from the same image in the Mesos containerizer", async () => {
    const { end, stdout } = await run(
      "docker-type",
      { value: "cat /etc/image-marker" },
      { type: "DOCKER", docker: { image: "busybox:latest" } },
    );
    assert.equal(end.state, "TASK_FINISHED", end.status.message);
    assert.equal(stdout, "from-the-image\n");
  });

  it("type DOCKER privileged, with NONE networking or with port mappings off BRIDGE is TASK_FAILED rather than run differently", async () => {
    await cluster.launch([
      commandTask("docker-privileged", "true", {
        container: {
          type: "DOCKER",
          docker: {
            image: "busybox",
            network: "NONE",
            privileged: true,
            port_mappings: [{ host_port: 31000, container_port: 80 }],
          },
        },
      }),
    ]);
    const end = await terminal(cluster.framework, "docker-privileged");
    assert.equal(end.state, "TASK_FAILED");
    assert.equal(end.status.reason, "REASON_CONTAINER_LAUNCH_FAILED");
    assert.match(
      end.status.message ?? "",
      /network NONE, privileged, port_mappings on network NONE needs the Docker containerizer/,
    );
  });

  it("a COMMAND health check runs inside the image: it sees the image's /etc, not the host's", async () => {
    const agentId = await cluster.launch([
      commandTask("checked", "", {
        command: { value: "exec sleep 60" },
        container: MESOS,
        health_check: {
          type: "COMMAND",
          command: {
            value:
              "test -e /etc/image-marker && ! test -e /etc/debian_version && test -d /mnt/mesos/sandbox",
          },
          delay_seconds: 0,
          interval_seconds: 0.2,
          grace_period_seconds: 0,
          consecutive_failures: 1000,
          timeout_seconds: 5,
        },
      }),
    ]);
    const update = await cluster.framework.until(
      "a health check result",
      () =>
        cluster.framework.updates.find(
          (u) => u.taskId === "checked" && u.status.healthy !== undefined,
        ),
      30_000,
    );
    assert.equal(update.status.healthy, true, "the check passed inside the image");
    await cluster.framework.kill(agentId, "checked");
    assert.equal((await terminal(cluster.framework, "checked")).state, "TASK_KILLED");
  });

  it("a COMMAND check runs inside the image: exit code 0 where only the image has the file", async () => {
    const agentId = await cluster.launch([
      commandTask("probed", "", {
        command: { value: "exec sleep 60" },
        container: MESOS,
        check: {
          type: "COMMAND",
          command: { command: { value: "test -e /etc/image-marker" } },
          delay_seconds: 0,
          interval_seconds: 0.2,
          timeout_seconds: 5,
        },
      }),
    ]);
    const update = await cluster.framework.until(
      "a check result",
      () =>
        cluster.framework.updates.find(
          (u) => u.taskId === "probed" && u.status.check_status?.command?.exit_code !== undefined,
        ),
      30_000,
    );
    assert.equal(update.status.check_status.command.exit_code, 0, "the check passed in the image");
    await cluster.framework.kill(agentId, "probed");
    assert.equal((await terminal(cluster.framework, "probed")).state, "TASK_KILLED");
  });

  it("an unknown image is TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED naming it", async () => {
    await cluster.launch([
      commandTask("unknown", "true", {
        container: {
          type: "MESOS",
          mesos: { image: { type: "DOCKER", docker: { name: "nosuch:9" } } },
        },
      }),
    ]);
    const end = await terminal(cluster.framework, "unknown");
    assert.equal(end.state, "TASK_FAILED");
    assert.equal(end.status.reason, "REASON_CONTAINER_LAUNCH_FAILED");
    assert.match(end.status.message ?? "", /Failed to find archive for image 'nosuch:9'/);
  });
});
