// What the master core needs from an allocator (reference §6): the parts of src/allocator's
// `Allocator` it drives. Tests may hand in a simpler implementation of the same surface.
import type { Allocator } from "../../allocator/index.ts";

export type AllocatorPort = Pick<
  Allocator,
  | "addFramework"
  | "updateFramework"
  | "removeFramework"
  | "activateFramework"
  | "deactivateFramework"
  | "suppressRoles"
  | "reviveRoles"
  | "addAgent"
  | "addUsed"
  | "removeAgent"
  | "updateAgent"
  | "activateAgent"
  | "deactivateAgent"
  | "recoverResources"
  | "needsAllocation"
  | "allocate"
  | "updateWeights"
  | "updateQuota"
  | "updateUnavailability"
  | "updateInverseOffer"
  | "generateInverseOffers"
  | "getInverseOfferStatuses"
  // Read for the allocator's metrics (allocator-metrics.ts).
  | "allocatedOn"
  | "allocatedTo"
  | "roleShare"
  | "quotaConsumed"
>;

export type {
  AgentSpec,
  FrameworkSpec,
  InverseOfferAnswer,
  InverseOfferDecision,
  InverseOfferStatus,
  Offer as AllocatorOffer,
} from "../../allocator/index.ts";
