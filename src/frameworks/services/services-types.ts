// The services scheduler's vocabulary: the effects ServicesState asks the Mesos adapter to carry
// out, the Marathon events it emits, the expected failures of its commands, and its options.
import type { TaskInfoInput } from "../../sdk/offer-matching.ts";
import type { AppStore } from "./app-store.ts";

export type ServicesEffect =
  | {
      readonly kind: "launch";
      readonly offerId: string;
      readonly agentId: string;
      readonly tasks: TaskInfoInput[];
      /** Filter on the offer's unused rest; 0 while instances still wait (see handleOffers). */
      readonly refuseSeconds?: number;
    }
  | { readonly kind: "decline"; readonly offerId: string; readonly refuseSeconds: number }
  | { readonly kind: "kill"; readonly taskId: string; readonly agentId: string | undefined };

export interface ServiceEvent {
  readonly eventType: string;
  readonly timestamp: string;
  readonly [field: string]: unknown;
}

export type ServicesErrorCode =
  | "APP_NOT_FOUND"
  | "APP_EXISTS"
  | "APP_LOCKED"
  | "DEPLOYMENT_NOT_FOUND"
  | "TASK_NOT_FOUND";

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

export interface ServicesStateOptions {
  readonly store: AppStore;
  /** UUIDs for instances and deployments (injected so tests and the simulator replay). */
  readonly newId: () => string;
  /** Most instances launched from one offer (Marathon's `--max_instances_per_offer`). */
  readonly maxInstancesPerOffer?: number;
  /** refuse_seconds for declined offers (Marathon's `--decline_offer_duration`, 120 s). */
  readonly declineRefuseSeconds?: number;
  /** Service ports handed out for port 0 (Marathon's `--local_port_min/max`). */
  readonly servicePortRange?: readonly [number, number];
}

export interface Backoff {
  delaySeconds: number;
  untilMs: number;
}
