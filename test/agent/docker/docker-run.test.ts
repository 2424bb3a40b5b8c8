// What the Docker containerizer asks the engine to create (containers.md §3): Mesos's cpu
// shares and memory floors, the sandbox mount and MESOS_SANDBOX, volumes, network modes, port
// mappings (bridge only, host ports from the task's ports), parameters, and the shell rule.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dockerRun } from "../../../src/agent/docker/docker-run.ts";
import type { ContainerInfo } from "../../../src/wire/container.ts";

const base = (docker: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ type: "DOCKER", docker: { image: "busybox", ...docker }, ...extra }) as ContainerInfo;

function run(info: ContainerInfo, command = { shell: true, value: "echo hi" }, cpus = 0.5) {
  return dockerRun({
    launch: { info, ports: [[31000, 31010]] },
    command,
    env: { A: "b" },
    cpus,
    memMb: 16,
    sandboxDir: "/w/sb",
    containerId: "c1",
  });
}

describe("dockerRun", () => {
  it("names the container mesos-<id>, mounts the sandbox, sets Mesos's resource floors", () => {
    const r = run(base({}), undefined, 0.001);
    assert.ok(r.ok);
    assert.equal(r.name, "mesos-c1");
    assert.deepEqual(r.body.HostConfig.Binds, ["/w/sb:/mnt/mesos/sandbox:rw"]);
    assert.equal(r.body.HostConfig.CpuShares, 2);
    assert.equal(r.body.HostConfig.Memory, 32 * 1024 * 1024);
    assert.equal(r.body.HostConfig.NetworkMode, "host");
    assert.ok(
      r.body.Env.includes("A=b") && r.body.Env.includes("MESOS_SANDBOX=/mnt/mesos/sandbox"),
    );
    assert.deepEqual([r.body.Entrypoint, r.body.Cmd], [["/bin/sh", "-c"], ["echo hi"]]);
    const big = run(base({}), undefined, 2);
    assert.ok(big.ok && big.body.HostConfig.CpuShares === 2048);
  });

  it("shell=false keeps the image's Entrypoint and replaces Cmd with value and arguments", () => {
    const r = run(base({}), { shell: false, value: "", arguments: ["-p", "80"] } as never);
    assert.ok(r.ok);
    assert.equal(r.body.Entrypoint, undefined);
    assert.deepEqual(r.body.Cmd, ["-p", "80"]);
  });

  it("maps ports on BRIDGE from the task's ports, and refuses them on HOST or outside the ports", () => {
    const mapping = [{ host_port: 31005, container_port: 80 }];
    const r = run(base({ network: "BRIDGE", port_mappings: mapping }));
    assert.ok(r.ok);
    assert.equal(r.body.HostConfig.NetworkMode, "bridge");
    assert.deepEqual(r.body.HostConfig.PortBindings, { "80/tcp": [{ HostPort: "31005" }] });
    const host = run(base({ network: "HOST", port_mappings: mapping }));
    assert.ok(!host.ok && /bridge or user network/.test(host.message));
    const outside = run(
      base({ network: "BRIDGE", port_mappings: [{ host_port: 9, container_port: 80 }] }),
    );
    assert.ok(!outside.ok && /not in the task's 'ports'/.test(outside.message));
  });

  it("passes privileged, volumes and known parameters on (a net parameter wins), refuses others", () => {
    const r = run(
      base(
        {
          privileged: true,
          parameters: [
            { key: "label", value: "a=b" },
            { key: "net", value: "none" },
            { key: "env", value: "X=1" },
          ],
        },
        {
          volumes: [
            { container_path: "/data", host_path: "/srv/d", mode: "RO" },
            {
              container_path: "rel",
              mode: "RW",
              source: { type: "SANDBOX_PATH", sandbox_path: { type: "SELF", path: "tmp" } },
            },
          ],
        },
      ),
    );
    assert.ok(r.ok);
    assert.equal(r.body.HostConfig.Privileged, true);
    assert.equal(r.body.HostConfig.NetworkMode, "none");
    assert.equal(r.body.Labels.a, "b");
    assert.ok(r.body.Env.includes("X=1"));
    assert.deepEqual(r.body.HostConfig.Binds.slice(1), [
      "/srv/d:/data:ro",
      "/w/sb/tmp:/mnt/mesos/sandbox/rel:rw",
    ]);
    const bad = run(base({ parameters: [{ key: "pid", value: "host" }] }));
    assert.ok(!bad.ok && /'pid' is not supported/.test(bad.message));
  });
});
