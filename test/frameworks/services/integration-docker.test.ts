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
import { deployBridgeApp, removeBridgeApp } from "./docker-bridge-app.ts";
import { eventually, type RealCluster, startRealCluster } from "./real-cluster.ts";

const skip = busyboxUnavailable() ?? dockerSkip();

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
    await removeBridgeApp(base);
    await eventually("its container to be removed", async () => {
      const left = await engine?.engine.list("mesos-");
      // Any value but undefined ends the wait, false included.
      return left?.ok === true && left.value.length === 0 ? true : undefined;
    });
  });
});
