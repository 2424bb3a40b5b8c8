// The allocator's public vocabulary: options, what the master tells it about frameworks and
// agents, what it answers (offers), and its expected failures.
import type { Milli, ResourceQuantities, Resources } from "../resources/index.ts";

export type FrameworkId = string;
export type AgentId = string;

/** Framework capabilities that change what may be offered (reference §6.1). */
export interface FrameworkCapabilities {
  /** GPU_RESOURCES: without it, agents with GPUs are not offered (when filterGpuResources). */
  readonly gpuResources?: boolean;
  /** REVOCABLE_RESOURCES: without it, revocable resources are stripped from offers. */
  readonly revocableResources?: boolean;
  /** SHARED_RESOURCES: without it, shared resources are stripped from offers. */
  readonly sharedResources?: boolean;
  /** RESERVATION_REFINEMENT: without it, refined reservations are stripped from offers. */
  readonly reservationRefinement?: boolean;
  /** MULTI_ROLE: such frameworks get no offers from agents lacking the MULTI_ROLE capability. */
  readonly multiRole?: boolean;
}

export interface FrameworkSpec {
  /** Roles the framework is subscribed to (MULTI_ROLE frameworks have several). */
  readonly roles: readonly string[];
  /** Roles in which the framework does not want offers (SUPPRESS / `suppressed_roles`). */
  readonly suppressedRoles?: readonly string[];
  readonly capabilities?: FrameworkCapabilities;
  /**
   * Per-role override of `minAllocatableResources` (FrameworkInfo
   * `offer_filters[role].min_allocatable_resources`); an empty list makes everything
   * allocatable.
   */
  readonly minAllocatable?: ReadonlyMap<string, readonly ResourceQuantities[]>;
  /** Frameworks start active unless said otherwise (recovered, not yet re-subscribed). */
  readonly active?: boolean;
}

/** Agent capabilities that restrict what may be offered from it (reference §6.1). */
export interface AgentCapabilities {
  readonly multiRole?: boolean;
  readonly hierarchicalRole?: boolean;
}

export interface AgentSpec {
  readonly hostname: string;
  /** Total resources, including reservations and revocable (oversubscribed) resources. */
  readonly total: Resources;
  readonly capabilities?: AgentCapabilities;
  /** Deactivated and draining agents are not offered (default: active). */
  readonly active?: boolean;
}

/** Quota of one top-level role (QUOTA_V2): a minimum and a maximum, both optional per name. */
export interface Quota {
  readonly guarantees: ResourceQuantities;
  /** Names absent here are unlimited; a limit of 0 forbids the name. */
  readonly limits: ReadonlyMap<string, Milli>;
}

export interface AllocatorOptions {
  /** `--allocation_interval`; also the shortest life of an offer filter. Default 1000. */
  readonly allocationIntervalMs?: number;
  /**
   * `--min_allocatable_resources`: an offer is made only if it holds at least one of these
   * quantity sets. Default `cpus:0.01|mem:32`; an empty list makes everything allocatable.
   */
  readonly minAllocatableResources?: readonly ResourceQuantities[];
  /** `--fair_sharing_excluded_resource_names`: ignored by the DRF share. */
  readonly fairnessExcludedResourceNames?: readonly string[];
  /** `--filter_gpu_resources` (default true). */
  readonly filterGpuResources?: boolean;
  /** `--role_sorter` / `--framework_sorter` (default "drf"). */
  readonly sorter?: "drf" | "random";
  /** Seed of every random choice (agent order, random sorter). Default 1. */
  readonly seed?: number;
}

/** One allocation decision: one framework, one role, one agent. */
export interface Offer {
  readonly frameworkId: FrameworkId;
  readonly role: string;
  readonly agentId: AgentId;
  /** Offered resources; each carries `allocationRole === role`. */
  readonly resources: Resources;
}

export type AllocatorErrorCode =
  | "INVALID_QUOTA"
  | "INVALID_WEIGHT"
  | "INVALID_ROLE"
  | "UNKNOWN_FRAMEWORK"
  | "UNKNOWN_AGENT";

export type AllocatorResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: AllocatorErrorCode; readonly message: string };

export const OK: AllocatorResult = { ok: true };

export function failure(code: AllocatorErrorCode, message: string): AllocatorResult {
  return { ok: false, code, message };
}
