import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Resources } from "../../src/resources/resources.ts";
import { parseResourcesText } from "../../src/resources/text-format.ts";
import {
  hasRefinedReservation,
  parseResourcesFlag,
  resourceFromWire,
  resourcesFromWire,
  resourcesToWire,
  resourceToWire,
} from "../../src/resources/wire-format.ts";
import { encodeWire, parseWire, parseWireText, repeated } from "../../src/wire/json.ts";
import {
  type Resource as WireResource,
  Resource as WireResourceSchema,
} from "../../src/wire/resource.ts";
import { arbResources } from "./arbitraries.ts";

function fromWire(list: unknown[]): Resources {
  const result = resourcesFromWire(list as WireResource[]);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

function text(t: string): Resources {
  const result = parseResourcesText(t);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

const dynamicCpus = {
  name: "cpus",
  type: "SCALAR",
  scalar: { value: 2 },
  reservations: [
    {
      type: "DYNAMIC",
      role: "eng",
      principal: "ops",
      labels: { labels: [{ key: "k", value: "v" }] },
    },
  ],
};

describe("wire resources", () => {
  it("reads the canonical form and rounds scalars to thousandths", () => {
    const r = fromWire([
      { name: "cpus", type: "SCALAR", scalar: { value: 0.1 }, reservations: [] },
      { name: "cpus", type: "SCALAR", scalar: { value: 0.2000001 }, reservations: [] },
      {
        name: "ports",
        type: "RANGES",
        ranges: { range: [{ begin: 31000, end: 32000 }] },
        reservations: [],
      },
      dynamicCpus,
    ]);
    assert.equal(r.unreserved().get("cpus"), 300);
    assert.equal(r.reserved("eng").get("cpus"), 2000);
  });

  it("upgrades the pre-refinement form: STATIC without reservation, DYNAMIC with one", () => {
    const r = fromWire([
      { name: "cpus", type: "SCALAR", scalar: { value: 1 }, role: "eng" },
      {
        name: "mem",
        type: "SCALAR",
        scalar: { value: 64 },
        role: "eng",
        reservation: { principal: "ops" },
      },
      { name: "disk", type: "SCALAR", scalar: { value: 10 }, role: "*" },
    ]);
    const byName = new Map([...r].map((x) => [x.name, x.reservations]));
    assert.deepEqual(byName.get("cpus"), [{ type: "STATIC", role: "eng" }]);
    assert.deepEqual(byName.get("mem"), [{ type: "DYNAMIC", role: "eng", principal: "ops" }]);
    assert.deepEqual(byName.get("disk"), []);
  });

  it("writes the three formats the way Mesos renders them", () => {
    const r = fromWire([dynamicCpus]).toArray()[0]!;
    const post = resourceToWire(r, "POST_RESERVATION_REFINEMENT");
    assert.equal(post.role, undefined);
    assert.equal(post.reservation, undefined);
    assert.equal(post.reservations?.length, 1);
    const pre = resourceToWire(r, "PRE_RESERVATION_REFINEMENT");
    assert.equal(pre.role, "eng");
    assert.deepEqual(pre.reservation, {
      principal: "ops",
      labels: { labels: [{ key: "k", value: "v" }] },
    });
    assert.equal(pre.reservations?.length ?? 0, 0);
    const endpoint = resourceToWire(r, "ENDPOINT");
    assert.equal(endpoint.role, "eng");
    assert.equal(endpoint.reservations?.length, 1);
    const unreserved = resourceToWire(text("cpus:1").toArray()[0]!, "PRE_RESERVATION_REFINEMENT");
    assert.equal(unreserved.role, "*");
    assert.equal(unreserved.reservation, undefined);
    const staticMem = resourceToWire(
      text("mem(eng):1").toArray()[0]!,
      "PRE_RESERVATION_REFINEMENT",
    );
    assert.equal(staticMem.role, "eng");
    assert.equal(staticMem.reservation, undefined);
  });

  it("refuses to express a refined reservation in the pre-refinement format", () => {
    const refined = text("cpus(eng):1")
      .pushReservation({ type: "DYNAMIC", role: "eng/web" })
      .toArray()[0]!;
    assert.ok(hasRefinedReservation(refined));
    assert.throws(() => resourceToWire(refined, "PRE_RESERVATION_REFINEMENT"));
    assert.equal(resourceToWire(refined, "ENDPOINT").role, undefined);
  });

  it("rejects invalid values with messages", () => {
    const bad: [unknown, RegExp][] = [
      [{ name: "cpus", type: "SCALAR", scalar: { value: -1 } }, /non-negative/],
      [
        { name: "cpus", type: "SCALAR", scalar: { value: Number.POSITIVE_INFINITY } },
        /non-negative/,
      ],
      [
        {
          name: "ports",
          type: "RANGES",
          ranges: {
            range: [
              { begin: 1, end: 5 },
              { begin: 3, end: 9 },
            ],
          },
        },
        /overlap/,
      ],
      [{ name: "ports", type: "RANGES", ranges: { range: [{ begin: 5, end: 1 }] } }, /greater/],
      [{ name: "bugs", type: "SET", set: { item: ["a", "a"] } }, /duplicate/],
      [{ name: "", type: "SCALAR", scalar: { value: 1 } }, /Empty resource name/],
      [{ name: "t", type: "TEXT", text: { value: "x" } }, /unsupported type/],
      [
        { name: "cpus", type: "SCALAR", scalar: { value: 1 }, role: "*", reservation: {} },
        /role other than/,
      ],
      [
        {
          name: "cpus",
          type: "SCALAR",
          scalar: { value: 1 },
          reservations: [
            { type: "DYNAMIC", role: "a" },
            { type: "DYNAMIC", role: "b" },
          ],
        },
        /child role/,
      ],
      [{ name: "cpus", type: "SCALAR", scalar: { value: 1 }, shared: {} }, /persistent volumes/],
    ];
    for (const [wire, pattern] of bad) {
      const result = resourceFromWire(wire as WireResource);
      assert.equal(result.ok, false, JSON.stringify(wire));
      if (!result.ok) assert.match(result.message, pattern, JSON.stringify(wire));
    }
  });

  it("carries disk info, provider id, allocation, revocable and shared through", () => {
    const volume = {
      name: "disk",
      type: "SCALAR",
      scalar: { value: 64 },
      provider_id: { value: "rp1" },
      allocation_info: { role: "eng" },
      reservations: [{ type: "DYNAMIC", role: "eng", principal: "ops" }],
      disk: {
        persistence: { id: "v1", principal: "ops" },
        volume: { container_path: "data", mode: "RW" },
      },
      shared: {},
    };
    const r = fromWire([volume]).toArray()[0]!;
    assert.equal(r.providerId, "rp1");
    assert.equal(r.allocationRole, "eng");
    assert.equal(r.shared, true);
    assert.equal(r.disk?.persistenceId, "v1");
    const back = resourceToWire(r);
    assert.deepEqual(back.disk, volume.disk);
    assert.deepEqual(back.shared, {});
    assert.deepEqual(back.provider_id, { value: "rp1" });
  });

  it("round-trips every resource through the canonical and endpoint formats", () => {
    fc.assert(
      fc.property(arbResources, (r) => {
        for (const format of ["POST_RESERVATION_REFINEMENT", "ENDPOINT"] as const) {
          const back = fromWire(resourcesToWire(r, format));
          assert.ok(sameIgnoringCounts(back, r), format);
        }
        const expressible = r.filter((x) => !hasRefinedReservation(x));
        assert.ok(
          sameIgnoringCounts(
            fromWire(resourcesToWire(expressible, "PRE_RESERVATION_REFINEMENT")),
            expressible,
          ),
        );
      }),
    );
  });

  it("produces messages that survive the Mesos JSON codec in every format", () => {
    const schema = repeated(WireResourceSchema);
    fc.assert(
      fc.property(arbResources, (r) => {
        const expressible = r.filter((x) => !hasRefinedReservation(x));
        for (const format of [
          "POST_RESERVATION_REFINEMENT",
          "PRE_RESERVATION_REFINEMENT",
          "ENDPOINT",
        ] as const) {
          const text = encodeWire(schema, resourcesToWire(expressible, format));
          const parsed = parseWire(schema, parseWireText(text));
          assert.ok(parsed.ok, format);
          if (parsed.ok)
            assert.ok(sameIgnoringCounts(fromWire(parsed.value ?? []), expressible), format);
        }
      }),
    );
  });

  it("reads the agent flag as text or as a JSON array", () => {
    const fromText = parseResourcesFlag("cpus:2;mem(eng):10");
    const fromJson = parseResourcesFlag(
      JSON.stringify([
        { name: "cpus", type: "SCALAR", scalar: { value: 2 } },
        { name: "mem", type: "SCALAR", scalar: { value: 10 }, role: "eng" },
      ]),
    );
    assert.ok(fromText.ok && fromJson.ok && fromText.value.equals(fromJson.value));
    const defaulted = parseResourcesFlag(
      '[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]',
      "eng",
    );
    assert.ok(defaulted.ok && defaulted.value.reserved("eng").get("cpus") === 1000);
    const bad = parseResourcesFlag('[{"name":"cpus","type":"SCALAR"}]');
    assert.equal(bad.ok, false);
  });
});

// A shared resource held n times is emitted once (as Mesos does), so compare with counts at 1.
function sameIgnoringCounts(a: Resources, b: Resources): boolean {
  return Resources.from(a).equals(Resources.from([...b]));
}
