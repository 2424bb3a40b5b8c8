// Value, Attribute and Resource of mesos.proto (reference §2.4), as they travel in JSON.
// Resource arithmetic and the deeper validation (reservation refinement, disk rules) live in
// src/resources; here a Resource is only checked to be well formed as a message.
import { z } from "zod";
import { enumNames } from "./enum-numbers.ts";
import { Labels, ResourceProviderID } from "./ids.ts";
import { double, optionalEnum, protoEnum, repeated, str, uint64 } from "./json.ts";
import { message } from "./proto-message.ts";
import { Volume } from "./volume.ts";

export const VALUE_TYPES = enumNames({ SCALAR: 0, RANGES: 1, SET: 2, TEXT: 3 });
export const ValueType = protoEnum(VALUE_TYPES);
export type ValueType = z.output<typeof ValueType>;

export const Scalar = message({ value: double }, { value: 1 });
export type Scalar = z.output<typeof Scalar>;

export const Range = message({ begin: uint64, end: uint64 }, { begin: 1, end: 2 });
export type Range = z.output<typeof Range>;

export const Ranges = message({ range: repeated(Range) }, { range: 1 });
export type Ranges = z.output<typeof Ranges>;

/** proto `Value.Set`. */
export const ValueSet = message({ item: repeated(str) }, { item: 1 });
export type ValueSet = z.output<typeof ValueSet>;

export const Text = message({ value: str }, { value: 1 });
export type Text = z.output<typeof Text>;

export const Value = message(
  {
    type: ValueType,
    scalar: Scalar.optional(),
    ranges: Ranges.optional(),
    set: ValueSet.optional(),
    text: Text.optional(),
  },
  { type: 1, scalar: 2, ranges: 3, set: 4, text: 5 },
);
export type Value = z.output<typeof Value>;

/** An agent attribute (`--attributes`): TEXT, SCALAR, RANGES or SET. */
export const Attribute = message(
  {
    name: str,
    type: ValueType,
    scalar: Scalar.optional(),
    ranges: Ranges.optional(),
    set: ValueSet.optional(),
    text: Text.optional(),
  },
  { name: 1, type: 2, scalar: 3, ranges: 4, set: 6, text: 5 },
);
export type Attribute = z.output<typeof Attribute>;

export const RESERVATION_TYPES = enumNames({ UNKNOWN: 0, STATIC: 1, DYNAMIC: 2 });

export const ReservationInfo = message(
  {
    type: optionalEnum(RESERVATION_TYPES),
    role: str.optional(),
    principal: str.optional(),
    labels: Labels.optional(),
  },
  { type: 4, role: 3, principal: 1, labels: 2 },
);
export type ReservationInfo = z.output<typeof ReservationInfo>;

export const DISK_SOURCE_TYPES = enumNames({ UNKNOWN: 0, PATH: 1, MOUNT: 2, BLOCK: 3, RAW: 4 });

export const DiskInfo = message(
  {
    persistence: message(
      { id: str, principal: str.optional() },
      { id: 1, principal: 2 },
    ).optional(),
    volume: Volume.optional(),
    source: message(
      {
        type: optionalEnum(DISK_SOURCE_TYPES),
        path: message({ root: str.optional() }, { root: 1 }).optional(),
        mount: message({ root: str.optional() }, { root: 1 }).optional(),
        vendor: str.optional(),
        id: str.optional(),
        metadata: Labels.optional(),
        profile: str.optional(),
      },
      { type: 1, path: 2, mount: 3, vendor: 7, id: 4, metadata: 5, profile: 6 },
    ).optional(),
  },
  { persistence: 1, volume: 2, source: 3 },
);
export type DiskInfo = z.output<typeof DiskInfo>;

export const AllocationInfo = message({ role: str.optional() }, { role: 1 });
export type AllocationInfo = z.output<typeof AllocationInfo>;

// The value field each resource type must carry; TEXT has none (Mesos: unsupported type).
const VALUE_FIELD = { SCALAR: "scalar", RANGES: "ranges", SET: "set" } as const;

export const Resource = message(
  {
    provider_id: ResourceProviderID.optional(),
    name: str,
    type: ValueType,
    scalar: Scalar.optional(),
    ranges: Ranges.optional(),
    set: ValueSet.optional(),
    // Deprecated (pre-refinement format) with default "*": emitted only when set.
    role: str.optional(),
    allocation_info: AllocationInfo.optional(),
    // Deprecated single reservation of the pre-refinement format.
    reservation: ReservationInfo.optional(),
    reservations: repeated(ReservationInfo),
    disk: DiskInfo.optional(),
    revocable: message({}, {}).optional(),
    shared: message({}, {}).optional(),
  },
  {
    provider_id: 12,
    name: 1,
    type: 2,
    scalar: 3,
    ranges: 4,
    set: 5,
    role: 6,
    allocation_info: 11,
    reservation: 8,
    reservations: 13,
    disk: 7,
    revocable: 9,
    shared: 10,
  },
).superRefine((r, ctx) => {
  // Mesos's Resources::validate: the value present must be exactly the one the type names.
  if (r.type === "TEXT") {
    ctx.addIssue({
      code: "custom",
      path: ["type"],
      message: `resource '${r.name}' has unsupported type TEXT`,
    });
    return;
  }
  const expected = VALUE_FIELD[r.type];
  if (r[expected] === undefined) {
    ctx.addIssue({
      code: "custom",
      path: [expected],
      message: `resource '${r.name}' of type ${r.type} must have '${expected}' set`,
    });
  }
  for (const field of Object.values(VALUE_FIELD)) {
    if (field !== expected && r[field] !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [field],
        message: `resource '${r.name}' of type ${r.type} must not have '${field}' set`,
      });
    }
  }
});
export type Resource = z.output<typeof Resource>;

/** `ResourceQuantities { map<string, Value.Scalar> quantities }`: name -> amount. */
export const ResourceQuantities = message(
  {
    quantities: z.record(z.string(), Scalar).optional(),
  },
  { quantities: 1 },
);
export type ResourceQuantities = z.output<typeof ResourceQuantities>;
