// Image references, manifests and image configs (pure parts of the image store).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseImageConfig } from "../../../src/agent/images/image-config.ts";
import {
  parseImageReference,
  registryRepository,
} from "../../../src/agent/images/image-reference.ts";
import { parseManifest, pickPlatform } from "../../../src/agent/images/manifest.ts";

const D = `sha256:${"a".repeat(64)}`;

describe("image references", () => {
  it("split host, repository, tag and digest by Docker's rules", () => {
    assert.deepEqual(parseImageReference("busybox"), {
      name: "busybox",
      host: undefined,
      repository: "busybox",
      tag: "latest",
      digest: undefined,
    });
    assert.equal(parseImageReference("org/app:1")?.tag, "1");
    assert.equal(parseImageReference("org/app:1")?.host, undefined);
    const local = parseImageReference("127.0.0.1:5000/org/app:2");
    assert.equal(local?.host, "127.0.0.1:5000");
    assert.equal(local?.repository, "org/app");
    assert.equal(parseImageReference("localhost/app")?.host, "localhost");
    assert.equal(parseImageReference(`app@${D}`)?.digest, D);
    for (const bad of ["", "Upper/Case", "a b", "app@sha256:short", "app:"]) {
      assert.equal(parseImageReference(bad), undefined, bad);
    }
  });

  it("Docker Hub's one-component names live under library/ (MESOS-4877), other registries' do not", () => {
    const ref = parseImageReference("busybox");
    assert.ok(ref !== undefined);
    assert.equal(registryRepository(ref, "registry-1.docker.io"), "library/busybox");
    assert.equal(registryRepository(ref, "127.0.0.1:5000"), "busybox");
  });
});

describe("manifests", () => {
  it("schema 2 and OCI manifests give the config and layers; schema 1 is refused", () => {
    const m = parseManifest(
      { schemaVersion: 2, config: { digest: D }, layers: [{ digest: D }] },
      undefined,
    );
    assert.deepEqual(m, { kind: "image", config: D, layers: [D] });
    assert.throws(() => parseManifest({ schemaVersion: 1 }, undefined), /schema 1/);
    assert.throws(
      () => parseManifest({ schemaVersion: 2 }, "application/vnd.oci.image.manifest.v1+json"),
      /no config/,
    );
  });

  it("a manifest list or OCI index resolves to linux/amd64, or to nothing without it", () => {
    const list = parseManifest(
      {
        schemaVersion: 2,
        manifests: [
          { digest: "sha256:arm", platform: { os: "linux", architecture: "arm64" } },
          { digest: "sha256:amd", platform: { os: "linux", architecture: "amd64" } },
        ],
      },
      "application/vnd.docker.distribution.manifest.list.v2+json",
    );
    assert.equal(list.kind, "index");
    assert.ok(list.kind === "index");
    assert.equal(pickPlatform(list), "sha256:amd");
    assert.equal(
      pickPlatform({
        kind: "index",
        entries: [{ digest: "x", os: "windows", architecture: "amd64" }],
      }),
      undefined,
    );
    assert.equal(pickPlatform({ kind: "index", entries: [{ digest: "only" }] }), "only");
  });
});

describe("image configs", () => {
  it("read Env, Entrypoint, Cmd, WorkingDir and User; Mesos's container_config is a fallback", () => {
    const c = parseImageConfig({
      config: { Env: ["A=1"], Entrypoint: ["/e"], Cmd: ["c"], WorkingDir: "/w", User: "u" },
    });
    assert.deepEqual(c, {
      env: ["A=1"],
      entrypoint: ["/e"],
      cmd: ["c"],
      workingDir: "/w",
      user: "u",
    });
    assert.deepEqual(parseImageConfig({ container_config: { Cmd: ["x"] } }).cmd, ["x"]);
    assert.deepEqual(parseImageConfig(null), {
      env: [],
      entrypoint: undefined,
      cmd: undefined,
      workingDir: undefined,
      user: undefined,
    });
  });
});
