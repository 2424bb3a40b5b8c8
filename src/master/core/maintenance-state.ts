// The master's soft maintenance state (reference security-ui-maintenance.md §5): the inverse
// offers it has out, and the maintenance window each registered agent was last given to the
// allocator under. The schedule and machine modes themselves live in the registry
// (registry-maintenance.ts); this part is rebuilt after a failover, as Mesos rebuilds it.
import type { Unavailability } from "../../wire/framework.ts";
import type { InverseOffer } from "./wire-types.ts";

export interface InverseOfferRecord {
  id: string;
  frameworkId: string;
  agentId: string;
  unavailability: Unavailability;
  createdMs: number;
  /** As sent, and as GET_FRAMEWORKS shows it. */
  inverseOffer: InverseOffer;
}

export interface MaintenanceRuntime {
  inverseOffers: Map<string, InverseOfferRecord>;
  /** By agent id: the unavailability the allocator and the agent's offers carry now. */
  agentWindows: Map<string, Unavailability>;
}

export function emptyMaintenanceRuntime(): MaintenanceRuntime {
  return { inverseOffers: new Map(), agentWindows: new Map() };
}
