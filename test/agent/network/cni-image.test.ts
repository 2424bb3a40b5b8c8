// A DOCKER ContainerInfo with `docker.network: BRIDGE` and a port mapping, run by the Mesos
// containerizer (no Docker containerizer on the agent) from an offline-built busybox image
// (issue 15): it joins the `mesos-bridge` CNI network (here the test's own, shadowing the
// built-in one: its own bridge, subnet and IPAM dir) through real CNI plugins, its httpd
// serves the image's file on the mapped host port, and once killed no network namespace, veth,
// nat rule or mount of the test is left.
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
import { type Cluster, startCluster, terminal } from "../integration/cluster.ts";
import { commandTask } from "../integration/helpers.ts";
import {
  cniHostPort,
  cniNatLines,
  get,
  removeSharedPortmapChains,
  sh,
  tag,
  unavailable,
} from "./cni-fixture.ts";

const { port: HOST_PORT, agentResources } = await cniHostPort();

const why = busyboxUnavailable() ?? unavailable() ?? undefined;
const BRIDGE = `tsi-br${tag}`;
const SUBNET_PREFIX = `10.224.${tag}.`;

function writeMesosBridge(dir: string): string {
  const conf = join(dir, "cni-conf");
  mkdirSync(conf, { recursive: true });
  const network = {
    cniVersion: "0.4.0",
    name: "mesos-bridge",
    plugins: [
      {
        type: "bridge",
        bridge: BRIDGE,
        isGateway: true,
        ipMasq: true,
        ipam: { type: "host-local", subnet: `${SUBNET_PREFIX}0/24`, dataDir: join(dir, "ipam") },
      },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
    ],
  };
  writeFileSync(join(conf, "mesos-bridge.conflist"), JSON.stringify(network));
  return conf;
}

describe("a DOCKER BRIDGE container in an image on the Mesos containerizer", { skip: why }, () => {
  let cluster: Cluster | undefined;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tessera-cni-image-"));
    const built = buildBusyboxImage(join(dir, "image"));
    cluster = await startCluster("cniimg", {
      resources: agentResources,
      isolation: "posix/cpu,posix/mem,filesystem/linux",
      image_providers: "docker",
      docker_registry: built.tarballDir,
      docker_store_dir: join(dir, "store"),
      network_cni_config_dir: writeMesosBridge(dir),
    });
  });
  after(async () => {
    await cluster?.stop();
    sh(`ip link del ${BRIDGE} 2>/dev/null`);
    removeSharedPortmapChains();
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(cniNatLines(SUBNET_PREFIX), [], "no CNI rule of the test's network left");
  });

  it("serves the image's file on its mapped host port; killed, its network and mounts are gone", async () => {
    const c = cluster as Cluster;
    const agentId = await c.launch([
      commandTask("web", "exec /bin/busybox httpd -f -p 8080 -h /etc", {
        resources: [
          { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
          { name: "mem", type: "SCALAR", scalar: { value: 32 } },
          {
            name: "ports",
            type: "RANGES",
            ranges: { range: [{ begin: HOST_PORT, end: HOST_PORT }] },
          },
        ],
        container: {
          type: "DOCKER",
          docker: {
            image: "busybox:latest",
            network: "BRIDGE",
            port_mappings: [{ host_port: HOST_PORT, container_port: 8080, protocol: "tcp" }],
          },
        },
      }),
    ]);
    const body = await eventually(
      `HTTP on 127.0.0.1:${HOST_PORT}`,
      async () => {
        // A failed launch says why at once rather than after the wait.
        const failed = c.framework.updates.find(
          (u) => u.taskId === "web" && u.state === "TASK_FAILED",
        );
        if (failed !== undefined) throw new Error(`TASK_FAILED: ${JSON.stringify(failed)}`);
        return get("127.0.0.1", HOST_PORT, "/image-marker").catch(() => undefined);
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(body, "from-the-image\n");
    const hosts = await get("127.0.0.1", HOST_PORT, "/hosts");
    assert.match(
      hosts,
      new RegExp(`${SUBNET_PREFIX.replaceAll(".", "\\.")}\\d+ `),
      "the generated /etc/hosts",
    );
    const cniDir = join(c.workDir, "runtime", "isolators", "network", "cni");
    assert.equal(readdirSync(cniDir).length, 1, "one container network");
    await c.framework.kill(agentId, "web");
    const end = await terminal(c.framework, "web");
    assert.equal(end.state, "TASK_KILLED");
    await eventually(
      "the network deleted",
      () => existsSync(cniDir) && readdirSync(cniDir).length === 0,
    );
    assert.equal(
      sh(`ip -o link show master ${BRIDGE} 2>/dev/null`),
      "",
      "no veth left on the bridge",
    );
    assert.ok(!sh("iptables -t nat -S").includes(SUBNET_PREFIX), "no nat rule of the task left");
    assert.ok(!readFileSync("/proc/self/mountinfo", "utf8").includes(c.workDir), "no mount left");
  });
});
