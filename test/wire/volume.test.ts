import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeWire, parseWire } from "../../src/wire/json.ts";
import { Image, Secret, Volume } from "../../src/wire/volume.ts";
import { errorOf } from "./wire-asserts.ts";

test("volume sources of every kind parse", () => {
  const sources = [
    { type: "DOCKER_VOLUME", docker_volume: { driver: "rexray", name: "v1" } },
    {
      type: "HOST_PATH",
      host_path: { path: "/srv", mount_propagation: { mode: "BIDIRECTIONAL" } },
    },
    { type: "SANDBOX_PATH", sandbox_path: { type: "SELF", path: "tmp" } },
    { type: "SECRET", secret: { type: "REFERENCE", reference: { name: "s" } } },
    {
      type: "CSI_VOLUME",
      csi_volume: {
        plugin_name: "org.example.csi",
        static_provisioning: {
          volume_id: "vol-9",
          volume_capability: { mount: {} },
          readonly: true,
        },
      },
    },
  ];
  for (const source of sources) {
    const r = parseWire(Volume, { mode: "RO", container_path: "/mnt", source });
    assert.ok(r.ok, `${source.type}: ${r.ok ? "" : r.error}`);
  }
});

test("a volume's mode must be RW or RO; a source's unknown type is dropped", () => {
  assert.equal(
    errorOf(parseWire(Volume, { mode: "RX", container_path: "/mnt" })),
    "mode: Failed to find enum for 'RX'",
  );
  const r = parseWire(Volume, { mode: "RW", container_path: "/mnt", source: { type: "NFS" } });
  assert.ok(r.ok && r.value.source?.type === undefined);
  assert.equal(
    errorOf(parseWire(Volume, { mode: "RW", container_path: "/m", source: { sandbox_path: {} } })),
    "Missing required fields: source.sandbox_path.path",
  );
});

test("images need a known type and emit cached true; secret values are base64", () => {
  assert.equal(
    encodeWire(Image, { type: "APPC", appc: { name: "coreos.com/etcd" } }),
    '{"type":"APPC","appc":{"name":"coreos.com/etcd"},"cached":true}',
  );
  assert.equal(errorOf(parseWire(Image, {})), "Missing required fields: type");
  assert.equal(
    errorOf(parseWire(Image, { type: "DOCKER", docker: {} })),
    "Missing required fields: docker.name",
  );
  assert.match(errorOf(parseWire(Secret, { value: { data: "%%%" } })), /^value\.data: /);
});
