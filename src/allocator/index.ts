// Public API of src/allocator: the hierarchical DRF allocator (reference §6).
export { SeededRandom } from "../base/prng.ts";
export { Allocator } from "./allocator.ts";
export type {
  InverseOfferAnswer,
  InverseOfferDecision,
  InverseOfferStatus,
} from "./inverse-offers.ts";
export { DEFAULT_REFUSE_SECONDS, filterTimeoutMs, MAX_REFUSE_SECONDS } from "./offer-filters.ts";
export { createSorter, type Sorter, type SorterContext, type SorterKind } from "./sorter.ts";
export type {
  AgentCapabilities,
  AgentId,
  AgentSpec,
  AllocatorErrorCode,
  AllocatorOptions,
  AllocatorResult,
  FrameworkCapabilities,
  FrameworkId,
  FrameworkSpec,
  Offer,
  Quota,
} from "./types.ts";
export { weightError } from "./weights.ts";
