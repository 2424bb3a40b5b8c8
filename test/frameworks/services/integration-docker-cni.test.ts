// The services framework deploys a DOCKER app with BRIDGE port mappings and an HTTP health
// check to healthy on the Mesos containerizer (issue 15): agents without the Docker
// containerizer run the DOCKER ContainerInfo from the offline-built busybox image, and its
// `docker.network: BRIDGE` joins the CNI `mesos-bridge` network (here the test's own: its own
// bridge, subnet and IPAM dir, in --network_cni_config_dir) through real CNI plugins, the
// DockerInfo's port mapping DNATed from the offered host port by portmap. Once the app is
// removed, no network namespace, veth, nat rule or mount of the test is left.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildBusyboxImage, busyboxUnavailable } from "../../agent/images/image-fixture.ts";
import {
  cniNatLines,
  PLUGINS,
  removeSharedPortmapChains,
  sh,
  tag,
  unavailable,
} from "../../agent/network/cni-fixture.ts";
import { deployBridgeApp, removeBridgeApp } from "./docker-bridge-app.ts";
import { eventually, type RealCluster, startRealCluster } from "./real-cluster.ts";

const skip = busyboxUnavailable() ?? unavailable() ?? undefined;

const BRIDGE = `tsd-br${tag}`;
const SUBNET = `10.223.${tag}.0/24`;

/** The test's `mesos-bridge`, shadowing the built-in one (default-network.ts). */
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
        hairpinMode: true,
        ipam: { type: "host-local", subnet: SUBNET, dataDir: join(dir, "ipam") },
      },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
    ],
  };
  writeFileSync(join(conf, "mesos-bridge.conflist"), JSON.stringify(network));
  return conf;
}

/** The network namespaces the agents still hold (`<work_dir>/runtime/isolators/network/cni`). */
function heldNamespaces(clusterDir: string): string[] {
  const out: string[] = [];
  for (const agent of readdirSync(clusterDir).filter((d) => d.startsWith("agent-"))) {
    const root = join(clusterDir, agent, "runtime/isolators/network/cni");
    if (existsSync(root)) out.push(...readdirSync(root));
  }
  return out;
}

describe("a DOCKER app with BRIDGE port mappings on the Mesos containerizer (CNI)", {
  skip,
}, () => {
  let cluster: RealCluster | undefined;
  let base: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tessera-services-dcni-"));
    const built = buildBusyboxImage(join(dir, "image"));
    cluster = await startRealCluster({
      isolation: "posix/cpu,posix/mem,filesystem/linux",
      image_providers: "docker",
      docker_registry: built.tarballDir,
      docker_store_dir: join(dir, "store"),
      network_cni_config_dir: writeMesosBridge(dir),
      network_cni_plugins_dir: PLUGINS,
    });
    base = (await cluster.startServices()).url;
  });
  after(async () => {
    const clusterDir = cluster?.dir;
    // A failed test may leave the app's container and its network namespace (bound in the
    // cluster's dir, which close() removes): its end runs CNI DEL first.
    if (clusterDir !== undefined && heldNamespaces(clusterDir).length > 0) {
      await removeBridgeApp(base).catch(() => undefined);
      await eventually("the networks to be deleted", async () =>
        heldNamespaces(clusterDir).length === 0 ? true : undefined,
      );
    }
    await cluster?.close();
    sh(`ip link del ${BRIDGE} 2>/dev/null`);
    removeSharedPortmapChains();
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(cniNatLines(`10.223.${tag}.`), [], "no CNI rule of the test's network left");
    assert.equal(sh(`ip -o link show ${BRIDGE} 2>/dev/null`), "", "the test's bridge is gone");
    if (clusterDir !== undefined) {
      assert.equal(sh(`grep -F '${clusterDir}' /proc/self/mountinfo`), "", "no mount left");
    }
  });

  it("deploys to healthy from the image, the health check and a client reaching it on its host port", async () => {
    const hostPort = await deployBridgeApp(base);
    const clusterDir = cluster?.dir as string;
    assert.equal(heldNamespaces(clusterDir).length, 1, "one container has a network namespace");
    const dnat = sh("iptables -t nat -S").split("\n");
    assert.ok(
      dnat.some((l) => l.includes(`--dport ${hostPort}`) && l.includes("10.223.")),
      `a DNAT of host port ${hostPort} into the test's subnet`,
    );
    await removeBridgeApp(base);
    await eventually("its network to be deleted (CNI DEL)", async () => {
      const veths = sh(`ip -o link show master ${BRIDGE} 2>/dev/null`);
      const rules = sh("iptables -t nat -S").includes(`10.223.${tag}.`);
      // real-cluster's eventually takes any value but undefined, false included.
      return heldNamespaces(clusterDir).length === 0 && veths === "" && !rules ? true : undefined;
    });
  });
});
