// Value, Attribute and Resource of mesos.proto (reference §2.4), as they travel in JSON.
// Resource arithmetic and the deeper validation (reservation refinement, disk rules) live in
// src/resources; here a Resource is only checked to be well formed as a message.
import { z } from "zod";
import { Labels, ResourceProviderID } from "./ids.ts";
import { double, optionalEnum, protoEnum, repeated, str, uint64 } from "./json.ts";
import { Volume } from "./volume.ts";

export const VALUE_TYPES = ["SCALAR", "RANGES", "SET", "TEXT"] as const;
export const ValueType = protoEnum(VALUE_TYPES);
export type ValueType = z.output<typeof ValueType>;

export const Scalar = z.object({ value: double });
export type Scalar = z.output<typeof Scalar>;

export const Range = z.object({ begin: uint64, end: uint64 });
export type Range = z.output<typeof Range>;

export const Ranges = z.object({ range: repeated(Range) });
export type Ranges = z.output<typeof Ranges>;

/** proto `Value.Set`. */
export const ValueSet = z.object({ item: repeated(str) });
export type ValueSet = z.output<typeof ValueSet>;

export const Text = z.object({ value: str });
export type Text = z.output<typeof Text>;

export const Value = z.object({
  type: ValueType,
  scalar: Scalar.optional(),
  ranges: Ranges.optional(),
  set: ValueSet.optional(),
  text: Text.optional(),
});
export type Value = z.output<typeof Value>;

/** An agent attribute (`--attributes`): TEXT, SCALAR, RANGES or SET. */
export const Attribute = z.object({
  name: str,
  type: ValueType,
  scalar: Scalar.optional(),
  ranges: Ranges.optional(),
  set: ValueSet.optional(),
  text: Text.optional(),
});
export type Attribute = z.output<typeof Attribute>;

export const RESERVATION_TYPES = ["UNKNOWN", "STATIC", "DYNAMIC"] as const;

export const ReservationInfo = z.object({
  type: optionalEnum(RESERVATION_TYPES),
  role: str.optional(),
  principal: str.optional(),
  labels: Labels.optional(),
});
export type ReservationInfo = z.output<typeof ReservationInfo>;

export const DISK_SOURCE_TYPES = ["UNKNOWN", "PATH", "MOUNT", "BLOCK", "RAW"] as const;

export const DiskInfo = z.object({
  persistence: z.object({ id: str, principal: str.optional() }).optional(),
  volume: Volume.optional(),
  source: z
    .object({
      type: optionalEnum(DISK_SOURCE_TYPES),
      path: z.object({ root: str.optional() }).optional(),
      mount: z.object({ root: str.optional() }).optional(),
      vendor: str.optional(),
      id: str.optional(),
      metadata: Labels.optional(),
      profile: str.optional(),
    })
    .optional(),
});
export type DiskInfo = z.output<typeof DiskInfo>;

export const AllocationInfo = z.object({ role: str.optional() });
export type AllocationInfo = z.output<typeof AllocationInfo>;

// The value field each resource type must carry; TEXT has none (Mesos: unsupported type).
const VALUE_FIELD = { SCALAR: "scalar", RANGES: "ranges", SET: "set" } as const;

export const Resource = z
  .object({
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
    revocable: z.object({}).optional(),
    shared: z.object({}).optional(),
  })
  .superRefine((r, ctx) => {
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
export const ResourceQuantities = z.object({
  quantities: z.record(z.string(), Scalar).optional(),
});
export type ResourceQuantities = z.output<typeof ResourceQuantities>;
