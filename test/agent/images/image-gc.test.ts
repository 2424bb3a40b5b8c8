// Image GC (`--image_gc_config`, issue 15): when the store's disk is short of the headroom, the
// images no container uses are forgotten, with their layers and unpacked copies; an image a
// running container uses, or an excluded one, stays. Headroom 1 makes every check "short".
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { parseAgentFlags } from "../../../src/agent/flags.ts";
import { ContainerImages } from "../../../src/agent/images/container-images.ts";
import type { ImageFlags } from "../../../src/agent/images/image-flags.ts";
import { buildBusyboxImage, busyboxUnavailable } from "./image-fixture.ts";

const IMAGE = { type: "MESOS", mesos: { image: { type: "DOCKER", docker: { name: "busybox" } } } };

describe("image GC", { skip: busyboxUnavailable() }, () => {
  let work: string;
  let tarballs: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), "tessera-imagegc-"));
    tarballs = buildBusyboxImage(join(work, "build")).tarballDir;
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  let runs = 0;
  function images(excluded: string[] = []) {
    const dir = join(work, `run-${++runs}`);
    const flags: ImageFlags = {
      providers: "docker",
      dockerRegistry: tarballs,
      dockerStoreDir: join(dir, "store"),
      dockerConfig: undefined,
      backend: "overlay",
      gc: { headroom: 1, intervalMs: 3_600_000, excluded },
    };
    const logger = pino({ level: "silent" });
    return {
      dir,
      store: join(dir, "store"),
      images: new ContainerImages(flags, join(dir, "work"), logger),
    };
  }

  it("keeps an image a container uses, and collects it with its layers and unpacked copy once released", async () => {
    const { dir, store, images: gc } = images();
    const prepared = await gc.prepare("c1", IMAGE as never, join(dir, "sandbox"));
    assert.ok(prepared.ok && prepared.image !== undefined, prepared.ok ? "" : prepared.message);
    assert.deepEqual(await gc.collectGarbage(Date.now() + 1), []);
    assert.equal(readdirSync(join(store, "rootfs")).length, 1);
    await gc.release("c1");
    assert.equal(existsSync(join(dir, "work", "provisioner", "containers", "c1")), false);
    assert.deepEqual(await gc.collectGarbage(Date.now() + 1), ["busybox"]);
    assert.deepEqual(readdirSync(join(store, "layers", "sha256")), []);
    assert.deepEqual(readdirSync(join(store, "rootfs")), []);
    gc.close();
  });

  it("keeps an excluded image even when no container uses it", async () => {
    const { dir, store, images: gc } = images(["busybox"]);
    assert.ok((await gc.prepare("c2", IMAGE as never, join(dir, "sandbox"))).ok);
    await gc.release("c2");
    assert.deepEqual(await gc.collectGarbage(Date.now() + 1), []);
    assert.equal(readdirSync(join(store, "layers", "sha256")).length, 2);
    gc.close();
  });
});

describe("--image_gc_config", () => {
  const parse = (gc: string) => parseAgentFlags({ work_dir: "/tmp/w", image_gc_config: gc });

  it("reads Mesos's ImageGcConfig: headroom, watch interval and excluded images", () => {
    const r = parse(
      '{"image_disk_headroom":0.2,"image_disk_watch_interval":{"nanoseconds":60000000000},"excluded_images":[{"type":"DOCKER","docker":{"name":"keep:1"}}]}',
    );
    assert.ok(r.ok, r.ok ? "" : r.message);
    assert.deepEqual(r.flags.images.gc, {
      headroom: 0.2,
      intervalMs: 60_000,
      excluded: ["keep:1"],
    });
    const off = parseAgentFlags({ work_dir: "/tmp/w" });
    assert.ok(off.ok && off.flags.images.gc === undefined);
  });

  it("refuses a headroom outside [0, 1] and text that is not JSON, naming the flag", () => {
    for (const bad of ['{"image_disk_headroom":2}', "nope"]) {
      const r = parse(bad);
      assert.ok(!r.ok);
      assert.match(r.message, /image_gc_config/);
    }
  });
});
