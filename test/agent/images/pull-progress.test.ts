// Pull progress (issue 15): while a container's launch waits for its image's registry pull,
// ContainerImages.pullProgress (what /monitor/statistics shows as `image_pull`) says the image,
// the layers done of all and the bytes received so far; each downloaded layer is a line in the
// agent's log; once the pull is done there is no progress left to show. Pulled from a real
// registry on loopback (Debian's docker-registry, fed by skopeo).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { ContainerImages } from "../../../src/agent/images/container-images.ts";
import { buildBusyboxImage, busyboxUnavailable } from "./image-fixture.ts";
import { type Registry, registryUnavailable, startRegistry } from "./registry-fixture.ts";

const skip =
  busyboxUnavailable() ??
  registryUnavailable() ??
  (process.getuid?.() === 0 ? undefined : "needs root to unpack whiteouts");

describe("image pull progress", { skip }, () => {
  let work: string;
  let registry: Registry;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "tessera-pull-progress-"));
    const image = buildBusyboxImage(join(work, "build"));
    registry = await startRegistry(join(work, "registry"));
    registry.push(image.ociDir, "busybox:latest");
  });
  after(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("shows the pull's layers and bytes while the launch waits, logs each layer, and none after", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split("\n")) if (l !== "") lines.push(JSON.parse(l));
        done();
      },
    });
    const images = new ContainerImages(
      {
        providers: "docker",
        dockerRegistry: registry.url,
        dockerStoreDir: join(work, "store"),
        dockerConfig: undefined,
        backend: undefined,
        gc: undefined,
      },
      join(work, "agent"),
      pino({ level: "info" }, sink),
    );
    const container = {
      type: "MESOS",
      mesos: { image: { type: "DOCKER", docker: { name: "busybox" } } },
    };
    const seen: NonNullable<ReturnType<ContainerImages["pullProgress"]>>[] = [];
    let done = false;
    const watch = (async () => {
      while (!done) {
        const p = images.pullProgress("c1");
        if (p !== undefined) seen.push(p);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const prepared = await images.prepare("c1", container as never, join(work, "sandbox"));
    done = true;
    await watch;
    assert.ok(prepared.ok, prepared.ok ? "" : prepared.message);
    assert.ok(seen.length > 0, "progress was seen during the pull");
    for (const p of seen) {
      assert.equal(p.image, "busybox");
      assert.equal(p.layers, 2);
    }
    assert.ok(
      seen.some((p) => p.bytes > 0),
      "bytes received were counted",
    );
    assert.equal(images.pullProgress("c1"), undefined, "no progress once pulled");
    const layerLines = lines.filter((l) => l.msg === "pulled an image layer");
    assert.deepEqual(
      layerLines.map((l) => [l.image, l.layersDone, l.layers]),
      [
        ["busybox", 1, 2],
        ["busybox", 2, 2],
      ],
    );
    assert.ok((layerLines[1]?.bytes as number) > (layerLines[0]?.bytes as number));
    await images.release("c1");
    images.close();
  });
});
