// Public API of src/resources: resource arithmetic (reference §0.5, §2.4, §6.1).
//
// - Scalars are integer thousandths (`Milli`, `toMilli`/`fromMilli`), as Mesos computes them.
// - `Resource` is an immutable domain value (build with scalarResource / rangesResource /
//   setResource); `Resources` is a canonical collection. Its methods return new collections,
//   except `addInPlace` / `subtractInPlace` for owners on hot paths. `subtract` is clamped like
//   Mesos (never negative); `subtractContained` throws when the operand is not contained (a bug).
// - `ResourceQuantities` (name -> Milli, sorted arrays) for quota / headroom / DRF math.
// - Text forms (parseResourcesText, parseAttributesText, parseQuantitiesText) and the wire forms
//   (resourcesFromWire / resourcesToWire in the three Mesos formats, parseResourcesFlag) return
//   `ParseResult` values with a stable code on bad input.
export {
  type Attribute,
  attributeFromWire,
  attributeToWire,
  formatAttributesText,
  formatAttributeValue,
  parseAttributesText,
} from "./attributes.ts";
export { ResourceQuantities } from "./quantities.ts";
export {
  addRanges,
  containsRanges,
  EMPTY_RANGES,
  formatRanges,
  intersectRanges,
  isNormalized,
  normalizeRanges,
  type Ranges,
  rangePairs,
  rangesEqual,
  rangesSize,
  subtractRanges,
  validateRangePairs,
} from "./ranges.ts";
export {
  canonicalJson,
  type DiskInfo,
  describeResource,
  diskInfo,
  isAtomic,
  isDynamicallyReserved,
  isEmptyResource,
  isPersistentVolume,
  isUnreserved,
  type Label,
  type RangesResource,
  type Reservation,
  type ReservationType,
  type Resource,
  type ResourceKind,
  type ResourceOptions,
  rangesResource,
  reservationRole,
  type ScalarResource,
  type SetResource,
  scalarResource,
  setResource,
  withAllocationRole,
  withOptions,
} from "./resource.ts";
export { Resources } from "./resources.ts";
export { fail, ok, type ParseResult, type ResourcesErrorCode } from "./result.ts";
export { DEFAULT_ROLE, isStrictSubroleOf, parentRole, validateRole } from "./roles.ts";
export {
  formatMilli,
  fromMilli,
  MILLI_PER_UNIT,
  type Milli,
  parseMilli,
  roundScalar,
  toMilli,
} from "./scalar.ts";
export {
  formatResourcesText,
  parseQuantitiesText,
  parseResourcesText,
  parseValue,
  type TextValue,
} from "./text-format.ts";
export { validateResource, validateResources } from "./validation.ts";
export {
  EMPTY_SET,
  formatSet,
  normalizeSet,
  setContains,
  setDifference,
  setEqual,
  setUnion,
  type ValueSet,
} from "./value-set.ts";
export { stripPersistentVolume } from "./volumes.ts";
export {
  hasRefinedReservation,
  parseResourcesFlag,
  type ResourceFormat,
  resourceFromWire,
  resourcesFromWire,
  resourcesToWire,
  resourceToWire,
} from "./wire-format.ts";
