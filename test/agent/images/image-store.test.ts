// The image store (issue 15; containers.md §2, §6): an offline-built busybox image pulled from
// a tarball directory in each of its three layouts (docker save, Mesos's, OCI) and from a real
// registry on loopback (anonymous, and Bearer tokens behind a realm that takes Basic
// credentials), then unpacked by the copy backend with both whiteout kinds applied. Bad input
// ends as a message naming the image; the staging directory is empty after every pull.
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
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ImageFetch, ImageStore } from "../../../src/agent/images/image-store.ts";
import {
  dockerConfigAuth,
  fetchFromRegistry,
  registryBase,
} from "../../../src/agent/images/registry-source.ts";
import { copyLayers } from "../../../src/agent/images/rootfs-copy.ts";
import { fetchFromTarballs } from "../../../src/agent/images/tarball-source.ts";
import { freePort } from "../../support/cluster.ts";
import { type BuiltImage, buildBusyboxImage, busyboxUnavailable } from "./image-fixture.ts";
import { type Registry, registryUnavailable, startRegistry } from "./registry-fixture.ts";

const skip = busyboxUnavailable();

describe("the image store", { skip }, () => {
  let work: string;
  let image: BuiltImage;

  before(() => {
    work = mkdtempSync(join(tmpdir(), "tessera-images-"));
    image = buildBusyboxImage(join(work, "build"), {
      WorkingDir: "/opt",
      Entrypoint: ["/bin/echo"],
    });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  let stores = 0;
  async function openStore(fetch: ImageFetch) {
    const dir = join(work, `store-${++stores}`);
    return { dir, store: await ImageStore.open(dir, fetch) };
  }
  const fromTarballs: ImageFetch = (ref, staging) =>
    fetchFromTarballs(image.tarballDir, ref, staging);

  /** Unpacks the pulled image and checks the whiteouts and the image's own files. */
  async function assertBusyboxRootfs(layerPaths: readonly string[]) {
    const rootfs = join(work, `rootfs-${++stores}`);
    mkdirSync(rootfs);
    await copyLayers(layerPaths, rootfs);
    assert.equal(readFileSync(join(rootfs, "etc/image-marker"), "utf8"), "from-the-image\n");
    assert.ok(existsSync(join(rootfs, "bin/busybox")));
    assert.equal(existsSync(join(rootfs, "etc/removeme")), false, ".wh.removeme hides it");
    assert.deepEqual(readdirSync(join(rootfs, "opt/dir")), ["c"], "the opaque dir hides a and b");
    assert.deepEqual(
      readdirSync(join(rootfs, "etc")).filter((n) => n.startsWith(".wh.")),
      [],
    );
  }

  for (const [layout, name] of [
    ["docker save (manifest.json)", "busybox:latest"],
    ["docker save, the default tag", "busybox"],
    ["Mesos's (repositories and parent links)", "mesos/busybox"],
    ["OCI layout (gzip layers, digests verified)", "oci/busybox:latest"],
  ] as const) {
    it(`pulls from a tarball directory in the ${layout} layout and unpacks it with its whiteouts`, async () => {
      const { dir, store } = await openStore(fromTarballs);
      const pulled = await store.pull(name);
      assert.ok(pulled.ok, pulled.ok ? "" : pulled.message);
      assert.equal(pulled.value.layerPaths.length, 2);
      assert.equal(pulled.value.config.workingDir, "/opt");
      assert.deepEqual(pulled.value.config.entrypoint, ["/bin/echo"]);
      assert.deepEqual(pulled.value.config.env, ["PATH=/bin", "IMAGE_VAR=image"]);
      await assertBusyboxRootfs(pulled.value.layerPaths);
      assert.deepEqual(readdirSync(join(dir, "staging")), []);
    });
  }

  it("an unknown image names the archive it looked for; a corrupt archive is a message too", async () => {
    const { dir, store } = await openStore(fromTarballs);
    const missing = await store.pull("nosuch:1");
    assert.ok(!missing.ok);
    assert.match(missing.message, /Failed to find archive for image 'nosuch:1'/);
    writeFileSync(join(image.tarballDir, "broken.tar"), "not a tar at all");
    const broken = await store.pull("broken");
    assert.ok(!broken.ok);
    assert.match(broken.message, /broken/);
    assert.deepEqual(readdirSync(join(dir, "staging")), []);
  });

  it("concurrent pulls share one fetch, a cached image is not fetched again, cached:false is", async () => {
    let fetches = 0;
    const { store } = await openStore((ref, staging) => {
      fetches++;
      return fromTarballs(ref, staging);
    });
    const [a, b] = await Promise.all([store.pull("busybox"), store.pull("busybox")]);
    assert.ok(a.ok && b.ok);
    assert.equal(fetches, 1);
    assert.ok((await store.pull("busybox")).ok);
    assert.equal(fetches, 1);
    assert.ok((await store.pull("busybox", { cached: false })).ok);
    assert.equal(fetches, 2);
  });

  it("reopening sweeps staging a crash left and keeps the atomically written index", async () => {
    let fetches = 0;
    const fetch: ImageFetch = (ref, staging) => {
      fetches++;
      return fromTarballs(ref, staging);
    };
    const { dir, store } = await openStore(fetch);
    assert.ok((await store.pull("busybox")).ok);
    mkdirSync(join(dir, "staging", "left-by-a-crash"));
    const reopened = await ImageStore.open(dir, fetch);
    assert.deepEqual(readdirSync(join(dir, "staging")), []);
    assert.ok((await reopened.pull("busybox")).ok);
    assert.equal(fetches, 1, "the index survived");
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.endsWith(".tmp")),
      [],
    );
  });

  it("image GC forgets unused old images and deletes layers no image names, keeping those in use", async () => {
    const { dir, store } = await openStore(fromTarballs);
    assert.ok((await store.pull("busybox")).ok);
    const kept = await store.collect(new Set(["busybox"]), Number.MAX_SAFE_INTEGER);
    assert.deepEqual(kept, { images: [], layers: [] });
    const gone = await store.collect(new Set(), Number.MAX_SAFE_INTEGER);
    assert.deepEqual(gone.images, ["busybox"]);
    assert.equal(gone.layers.length, 2);
    assert.deepEqual(readdirSync(join(dir, "layers", "sha256")), []);
  });

  describe("from a registry on loopback", { skip: registryUnavailable() }, () => {
    let registry: Registry;
    before(async () => {
      registry = await startRegistry(join(work, "registry"));
      registry.push(image.ociDir, "busybox:latest");
      registry.push(image.ociDir, "team/app:1");
    });
    after(async () => registry?.stop());

    const anonymous = { credentials: () => undefined };

    it("pulls anonymously by tag, verifies the blobs and unpacks the same rootfs", async () => {
      const { store } = await openStore((ref, staging) =>
        fetchFromRegistry(registryBase(ref, registry.url), ref, anonymous, staging),
      );
      for (const name of ["busybox", `${registry.host}/team/app:1`]) {
        const pulled = await store.pull(name);
        assert.ok(pulled.ok, pulled.ok ? "" : pulled.message);
        assert.equal(pulled.value.config.workingDir, "/opt");
        await assertBusyboxRootfs(pulled.value.layerPaths);
      }
    });

    it("an unknown image and an unreachable registry are messages naming them", async () => {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const { store } = await openStore((ref, staging) => {
        const base = ref.name.startsWith("unreachable") ? new URL(closed) : new URL(registry.url);
        return fetchFromRegistry(base, ref, anonymous, staging);
      });
      const unknown = await store.pull("nosuch:1");
      assert.ok(!unknown.ok);
      assert.match(unknown.message, /'nosuch:1'.*404/);
      const unreachable = await store.pull("unreachable");
      assert.ok(!unreachable.ok);
      assert.match(unreachable.message, /ECONNREFUSED/);
    });

    it("Bearer tokens from the challenge's realm, got with --docker_config credentials; wrong ones are refused", async () => {
      const gate = await tokenGate(registry.url);
      try {
        const config = JSON.stringify({
          auths: {
            [`127.0.0.1:${gate.port}`]: { auth: Buffer.from("me:secret").toString("base64") },
          },
        });
        const base = new URL(`http://127.0.0.1:${gate.port}`);
        const good = await dockerConfigAuth(config);
        const { store } = await openStore((ref, staging) =>
          fetchFromRegistry(base, ref, good, staging),
        );
        const pulled = await store.pull("busybox");
        assert.ok(pulled.ok, pulled.ok ? "" : pulled.message);
        const bad = await dockerConfigAuth(
          config.replace(Buffer.from("me:secret").toString("base64"), "bm8="),
        );
        const refused = await fetchFromRegistry(
          base,
          {
            name: "busybox",
            host: undefined,
            repository: "busybox",
            tag: "latest",
            digest: undefined,
          },
          bad,
          mkdtempSync(join(work, "s-")),
        );
        assert.ok(!refused.ok);
        assert.match(
          refused.message,
          /refused access.*credentials in --docker_config were refused/,
        );
      } finally {
        await new Promise((resolve) => gate.server.close(resolve));
      }
    });
  });
});

/** A front for the registry that wants `Bearer good`, handed out by its /token realm for
 *  Basic me:secret only (the shape of Docker Hub's auth). */
async function tokenGate(upstream: string): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer(async (req, res) => {
    if (req.url?.startsWith("/token")) {
      const ok =
        req.headers.authorization === `Basic ${Buffer.from("me:secret").toString("base64")}`;
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      res.end(ok ? JSON.stringify({ token: "good" }) : "{}");
      return;
    }
    if (req.headers.authorization !== "Bearer good") {
      res.writeHead(401, {
        "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="gate"`,
      });
      res.end();
      return;
    }
    const answer = await fetch(`${upstream}${req.url}`, {
      headers: { accept: req.headers.accept ?? "*/*" },
    });
    const headers: Record<string, string> = {};
    const type = answer.headers.get("content-type");
    if (type !== null) headers["content-type"] = type;
    res.writeHead(answer.status, headers);
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, port };
}
