import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { encodeWire, parseWire, parseWireText } from "../../src/wire/json.ts";
import {
  Attribute,
  DiskInfo,
  Resource,
  ResourceQuantities,
  Value,
} from "../../src/wire/resource.ts";
import { OFFER, PRE_REFINEMENT_RESERVED_CPUS } from "./mesos-examples.ts";
import { errorOf } from "./wire-asserts.ts";

test("every resource of the reference's OFFERS example parses", () => {
  for (const json of OFFER.resources) {
    const r = parseWire(Resource, json);
    assert.ok(r.ok, r.ok ? "" : r.error);
  }
  const ports = parseWire(Resource, OFFER.resources[3]);
  assert.ok(ports.ok);
  assert.deepEqual(ports.value.ranges, { range: [{ begin: 31000, end: 32000 }] });
  const reserved = parseWire(Resource, OFFER.resources[4]);
  assert.ok(reserved.ok);
  assert.deepEqual(reserved.value.reservations, [
    { type: "DYNAMIC", role: "web", principal: "ops" },
  ]);
});

test("the pre-refinement format (role + reservation) is still accepted", () => {
  const r = parseWire(Resource, PRE_REFINEMENT_RESERVED_CPUS);
  assert.ok(r.ok);
  assert.equal(r.value.role, "web");
  assert.deepEqual(r.value.reservation, { principal: "ops" });
});

test("a resource whose type has no matching value is rejected, naming the field", () => {
  assert.equal(
    errorOf(parseWire(Resource, { name: "cpus", type: "SCALAR" })),
    "scalar: resource 'cpus' of type SCALAR must have 'scalar' set",
  );
  assert.equal(
    errorOf(parseWire(Resource, { name: "ports", type: "RANGES", scalar: { value: 1 } })),
    "ranges: resource 'ports' of type RANGES must have 'ranges' set; " +
      "scalar: resource 'ports' of type RANGES must not have 'scalar' set",
  );
  assert.equal(
    errorOf(parseWire(Resource, { name: "bugs", type: "SET", set: { item: ["a"] }, ranges: {} })),
    "ranges: resource 'bugs' of type SET must not have 'ranges' set",
  );
  assert.equal(
    errorOf(parseWire(Resource, { name: "t", type: "TEXT" })),
    "type: resource 't' has unsupported type TEXT",
  );
});

test("a resource needs a name and a known type", () => {
  assert.equal(
    errorOf(parseWire(Resource, { scalar: { value: 1 } })),
    "Missing required fields: name, type",
  );
  assert.equal(
    errorOf(parseWire(Resource, { name: "cpus", type: "FLOAT", scalar: { value: 1 } })),
    "type: Failed to find enum for 'FLOAT'",
  );
  assert.equal(
    errorOf(parseWire(Resource, { name: "cpus", type: "SCALAR", scalar: {} })),
    "Missing required fields: scalar.value",
  );
});

test("numbers may come as numeric strings, and ranges must be unsigned integers", () => {
  const r = parseWire(Resource, {
    name: "ports",
    type: "RANGES",
    ranges: { range: [{ begin: "31000", end: "32000" }] },
  });
  assert.ok(r.ok && r.value.ranges?.range?.[0]?.end === 32000);
  const s = parseWire(Resource, { name: "cpus", type: "SCALAR", scalar: { value: "1.5" } });
  assert.ok(s.ok && s.value.scalar?.value === 1.5);
  assert.match(
    errorOf(
      parseWire(Resource, {
        name: "p",
        type: "RANGES",
        ranges: { range: [{ begin: -1, end: 2 }] },
      }),
    ),
    /^ranges\.range\[0\]\.begin: /,
  );
});

test("the deprecated role is emitted only when set; empty reservations are omitted", () => {
  const unset = encodeWire(Resource, {
    name: "cpus",
    type: "SCALAR",
    scalar: { value: 1 },
    reservations: [],
  });
  assert.equal(unset, '{"name":"cpus","type":"SCALAR","scalar":{"value":1}}');
  const set = encodeWire(Resource, {
    name: "cpus",
    type: "SCALAR",
    scalar: { value: 1 },
    role: "*",
  });
  assert.equal(set, '{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"*"}');
});

test("an unknown reservation type is dropped (optional enum); revocable and shared are markers", () => {
  const r = parseWire(Resource, {
    name: "disk",
    type: "SCALAR",
    scalar: { value: 10 },
    reservations: [{ type: "FANCY", role: "web" }],
    revocable: {},
    shared: {},
  });
  assert.ok(r.ok);
  assert.equal(r.value.reservations?.[0]?.type, undefined);
  assert.equal(r.value.reservations?.[0]?.role, "web");
  assert.deepEqual(r.value.revocable, {});
  assert.deepEqual(r.value.shared, {});
});

test("camelCase keys are not Mesos's: allocationInfo is ignored", () => {
  const r = parseWire(Resource, {
    name: "cpus",
    type: "SCALAR",
    scalar: { value: 1 },
    allocationInfo: { role: "web" },
  });
  assert.ok(r.ok);
  assert.equal(r.value.allocation_info, undefined);
});

test("a persistent volume's disk info parses with its volume and source", () => {
  const json = {
    persistence: { id: "vol-1", principal: "ops" },
    volume: { mode: "RW", container_path: "data" },
    source: { type: "MOUNT", mount: { root: "/mnt/d1" } },
  };
  const r = parseWire(DiskInfo, json);
  assert.ok(r.ok);
  assert.equal(r.value.source?.type, "MOUNT");
  assert.equal(
    errorOf(parseWire(DiskInfo, { persistence: {}, volume: { container_path: "x" } })),
    "Missing required fields: persistence.id, volume.mode",
  );
});

test("attributes and values of every type parse", () => {
  const attrs = [
    ...OFFER.attributes,
    { name: "level", type: "SCALAR", scalar: { value: 10 } },
    { name: "keys", type: "RANGES", ranges: { range: [{ begin: 1000, end: 1500 }] } },
    { name: "zones", type: "SET", set: { item: ["a", "b"] } },
  ];
  for (const a of attrs) assert.ok(parseWire(Attribute, a).ok, a.name);
  assert.ok(parseWire(Value, { type: "TEXT", text: { value: "x" } }).ok);
  assert.equal(errorOf(parseWire(Attribute, { type: "TEXT" })), "Missing required fields: name");
});

test("resource quantities are a map from resource name to Scalar", () => {
  const r = parseWire(ResourceQuantities, {
    quantities: { cpus: { value: 1 }, mem: { value: "64" } },
  });
  assert.deepEqual(r, {
    ok: true,
    value: { quantities: { cpus: { value: 1 }, mem: { value: 64 } } },
  });
});

const arbRole = fc.constantFrom("web", "eng/web", "*");
const arbResource = fc.oneof(
  fc.record(
    {
      name: fc.constantFrom("cpus", "mem", "disk", "gpus"),
      type: fc.constant("SCALAR" as const),
      scalar: fc.record({ value: fc.double({ min: 0, max: 1e9, noNaN: true }) }),
      allocation_info: fc.record({ role: arbRole }),
      reservations: fc.array(
        fc.record(
          {
            type: fc.constantFrom("STATIC" as const, "DYNAMIC" as const),
            role: arbRole,
            principal: fc.string(),
          },
          { requiredKeys: ["type", "role"] },
        ),
        { maxLength: 3 },
      ),
      role: arbRole,
      revocable: fc.constant({}),
    },
    { requiredKeys: ["name", "type", "scalar"] },
  ),
  fc.record({
    name: fc.constant("ports"),
    type: fc.constant("RANGES" as const),
    ranges: fc.record({
      range: fc.array(fc.record({ begin: fc.nat(65535), end: fc.nat(65535) }), { maxLength: 4 }),
    }),
  }),
  fc.record({
    name: fc.string({ minLength: 1 }),
    type: fc.constant("SET" as const),
    set: fc.record({ item: fc.array(fc.string(), { maxLength: 4 }) }),
  }),
);

test("property: a Resource survives encodeWire and a re-parse unchanged", () => {
  fc.assert(
    fc.property(arbResource, (resource) => {
      const direct = parseWire(Resource, resource);
      assert.ok(direct.ok);
      const again = parseWire(Resource, parseWireText(encodeWire(Resource, resource)));
      assert.ok(again.ok);
      // Empty repeated fields are omitted on the wire; both sides read them as "none".
      assert.deepEqual(normalise(again.value), normalise(direct.value));
    }),
  );
});

function normalise(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (Array.isArray(v) && v.length === 0 ? undefined : v)),
  );
}
