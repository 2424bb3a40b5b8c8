// The services scheduler's vocabulary: the effects ServicesState asks the Mesos adapter to carry
// out, the expected failures of its commands, and its options (inputs and outputs of the core
// are in services-outputs.ts, its events in services-events.ts).
import type { AppStore } from "./app-store.ts";
import type { SchedulerCallOutput } from "./services-outputs.ts";
import type { TierConfig } from "./tiers.ts";

/** What the state asks the Mesos adapter to do: the scheduler calls among the core's outputs. */
export type ServicesEffect = SchedulerCallOutput;

export type ServicesErrorCode =
  | "APP_NOT_FOUND"
  | "APP_EXISTS"
  | "APP_LOCKED"
  | "DEPLOYMENT_NOT_FOUND"
  /** Tessera: an update command the update's state does not allow (pause a finished one). */
  | "UPDATE_STATE"
  | "TASK_NOT_FOUND"
  /** A production app over its role's quota (quota-admission.ts); 422 as Marathon's errors. */
  | "QUOTA_EXCEEDED";

export interface ServicesError {
  readonly code: ServicesErrorCode;
  readonly message: string;
  readonly deployments?: string[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ServicesError };

export interface DeploymentResult {
  readonly deploymentId: string;
  readonly version: string;
}

export interface ServicesCoreOptions {
  /** UUIDs for instances and deployments (injected so tests and the simulator replay). */
  readonly newId: () => string;
  /** Most instances launched from one offer (Marathon's `--max_instances_per_offer`, 5). */
  readonly maxInstancesPerOffer?: number;
  /** refuse_seconds for declined offers (Marathon's `--decline_offer_duration`, 120 s). */
  readonly declineRefuseSeconds?: number;
  /** Service ports handed out for port 0 (Marathon's `--local_port_min/max`). */
  readonly servicePortRange?: readonly [number, number];
  /** Aurora's tiers (`--tiers`); Aurora's default tiers.json when not given. */
  readonly tiers?: TierConfig;
  /** Aurora's `preemption_delay` (3 min) and `preemption_slot_hold_time` (5 min). */
  readonly preemptionDelayMs?: number;
  readonly slotHoldMs?: number;
}

export interface ServicesStateOptions extends ServicesCoreOptions {
  readonly store: AppStore;
}

export interface Backoff {
  delaySeconds: number;
  untilMs: number;
}
