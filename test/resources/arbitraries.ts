// fast-check generators for resources, shared by the property tests.
import fc from "fast-check";
import { normalizeRanges } from "../../src/resources/ranges.ts";
import {
  diskInfo,
  type Reservation,
  type Resource,
  type ResourceOptions,
  rangesResource,
  scalarResource,
  setResource,
} from "../../src/resources/resource.ts";
import { Resources } from "../../src/resources/resources.ts";
import { normalizeSet } from "../../src/resources/value-set.ts";

const reservationStacks: readonly (readonly Reservation[])[] = [
  [],
  [{ type: "STATIC", role: "eng" }],
  [{ type: "DYNAMIC", role: "eng", principal: "ops" }],
  [
    { type: "STATIC", role: "eng" },
    { type: "DYNAMIC", role: "eng/web", principal: "ops", labels: [{ key: "k", value: "v" }] },
  ],
];

export const arbOptions: fc.Arbitrary<ResourceOptions> = fc.record({
  reservations: fc.constantFrom(...reservationStacks),
  allocationRole: fc.constantFrom(undefined, "eng", "eng/web"),
  revocable: fc.boolean(),
});

export const arbResource: fc.Arbitrary<Resource> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("cpus", "mem", "disk", "gpus"),
      fc.integer({ min: 0, max: 50_000 }),
      arbOptions,
    )
    .map(([name, milli, opts]) => scalarResource(name, milli, opts)),
  fc
    .tuple(
      fc.array(fc.tuple(fc.integer({ min: 31000, max: 31060 }), fc.integer({ min: 0, max: 6 })), {
        maxLength: 4,
      }),
      arbOptions,
    )
    .map(([pairs, opts]) =>
      rangesResource(
        "ports",
        normalizeRanges(pairs.map(([b, l]) => [b, b + l] as [number, number])),
        opts,
      ),
    ),
  fc
    .tuple(fc.array(fc.constantFrom("a", "b", "c", "d")), arbOptions)
    .map(([items, opts]) => setResource("bugs", normalizeSet(items), opts)),
  // Shared persistent volumes: counted, never merged.
  fc.tuple(fc.constantFrom("v1", "v2"), fc.constantFrom(64_000, 128_000)).map(([id, milli]) =>
    scalarResource("disk", milli, {
      reservations: [{ type: "DYNAMIC", role: "eng", principal: "ops" }],
      shared: true,
      disk: diskInfo({ persistence: { id }, volume: { container_path: "data", mode: "RW" } }),
    }),
  ),
);

export const arbResources: fc.Arbitrary<Resources> = fc
  .array(arbResource, { maxLength: 8 })
  .map((rs) => Resources.from(rs));
