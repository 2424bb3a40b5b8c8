// The services engine's inputs and its one union of outputs (DESIGN.md "Pure core, thin shell",
// the shape of src/master/core's MasterInput/MasterOutput). The shell turns API commands, Mesos
// offers and status updates, readiness answers and its tick into `ServicesInput`s; the core
// returns `ServicesOutput`s in order and the shell carries them out: scheduler calls to Mesos,
// records to the store, events to the event bus, probes to run, the answer to a command.
//
// The general part is `FrameworkOutput`: scheduler calls, store writes and events, parametrised
// by a framework's own records, events and replies, so that the jobs engine (Chronos) and
// Aurora's job model take the same shape and one kind of shell carries out all of them.
import type { TaskInfoInput } from "../../sdk/offer-matching.ts";
import type { InverseOffer, Offer } from "../../wire/offer.ts";
import type { TaskState } from "../../wire/status.ts";
import type { AppDefinition } from "./app-definition.ts";
import type { AppVersion } from "./app-json.ts";
import type { DeploymentRecord } from "./app-store.ts";
import type { UpdateCommand } from "./aurora-update.ts";
import type { Instance } from "./instance.ts";
import type { AppId } from "./path-id.ts";
import type { RoleQuota } from "./quota-admission.ts";
import type { ReadinessProbeTarget, ReadinessResult } from "./readiness.ts";
import type { ServiceEvent } from "./services-events.ts";
import type { DeploymentResult, Result } from "./services-types.ts";
import type { TaskFailure } from "./task-failures.ts";

/** One pod instance's LAUNCH_GROUP: the DEFAULT executor and a task per container. */
export interface PodTaskGroup {
  readonly executor: NonNullable<TaskInfoInput["executor"]>;
  readonly tasks: TaskInfoInput[];
}

// ---- general: what any framework engine asks of its shell ----------------------------------

/** Calls on the Mesos scheduler API; the adapter turns them into ACCEPT, DECLINE and KILL. */
export type SchedulerCallOutput =
  | {
      readonly kind: "launch";
      readonly offerId: string;
      readonly agentId: string;
      readonly tasks: TaskInfoInput[];
      /** Task groups (pods) to LAUNCH_GROUP on the default executor, one per instance. */
      readonly groups?: PodTaskGroup[];
      /** Filter on the offer's unused rest; 0 while instances still wait (see offer-matcher.ts). */
      readonly refuseSeconds?: number;
    }
  | { readonly kind: "decline"; readonly offerId: string; readonly refuseSeconds: number }
  | { readonly kind: "kill"; readonly taskId: string; readonly agentId: string | undefined }
  /** ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS (maintenance, maintenance-drain.ts). */
  | {
      readonly kind: "inverse_offer";
      readonly inverseOfferId: string;
      readonly accept: boolean;
      readonly refuseSeconds: number;
    };

/**
 * One framework engine's outputs: scheduler calls, durable writes of its records (`Write`),
 * events for its event bus (`Event`), and the answer to the command being handled (`Reply`).
 */
export type FrameworkOutput<Write, Event, Reply> =
  | SchedulerCallOutput
  | { readonly kind: "store_write"; readonly write: Write }
  | { readonly kind: "event"; readonly event: Event }
  | { readonly kind: "reply"; readonly reply: Reply };

// ---- the services engine -------------------------------------------------------------------

/**
 * A change of the services store. Records are the core's live objects: the shell writes each
 * at once, before the next input, so the store holds them as they were when the input ended.
 */
export type ServicesWrite =
  | { readonly kind: "put_app"; readonly app: AppVersion }
  | { readonly kind: "delete_app"; readonly appId: AppId }
  | { readonly kind: "put_deployment"; readonly deployment: DeploymentRecord }
  | { readonly kind: "delete_deployment"; readonly deploymentId: string }
  | { readonly kind: "put_instance"; readonly instance: Instance }
  | { readonly kind: "delete_instance"; readonly instanceId: string }
  /** The app's last task failure (a delete_app removes it too). */
  | { readonly kind: "put_task_failure"; readonly failure: TaskFailure };

/** One change of the app tree (see DeploymentDriver.deploy). */
export interface AppChange {
  readonly upsert?: AppDefinition[];
  readonly remove?: AppId[];
  readonly restart?: AppId[];
  readonly rollbackTo?: AppVersion[];
}

export interface KilledTasks {
  /** The instances as they were when the kill was asked for. */
  readonly killed: Instance[];
  /** The deployment shrinking the apps (kills with `scale`). */
  readonly deployment?: DeploymentResult;
}

/** A task status from Mesos (already acknowledged by the adapter). */
export interface TaskStatusInput {
  readonly taskId: string;
  readonly state: TaskState;
  readonly agentId?: string;
  readonly healthy?: boolean;
  readonly message?: string;
}

export type ServicesInput =
  /** API: create/update/remove/restart/roll back apps, as one deployment. */
  | { readonly kind: "deploy"; readonly change: AppChange; readonly force: boolean }
  /** API: DELETE /v2/deployments/{id}. */
  | { readonly kind: "cancel_deployment"; readonly deploymentId: string; readonly force: boolean }
  /** API (Tessera): POST /v2/deployments/{id}/pause|resume|pulse|rollback. */
  | {
      readonly kind: "update_command";
      readonly deploymentId: string;
      readonly command: UpdateCommand | "rollback";
    }
  /** API: kill tasks, shrinking their apps with `scale`. */
  | { readonly kind: "kill_tasks"; readonly taskIds: readonly string[]; readonly scale: boolean }
  /** API: DELETE /v2/queue/{id}/delay. */
  | { readonly kind: "reset_delay"; readonly appId: AppId }
  | { readonly kind: "offers"; readonly offers: readonly Offer[] }
  /** Maintenance: the master asks for agents back (answered by `inverse_offer` outputs). */
  | { readonly kind: "inverse_offers"; readonly inverseOffers: readonly InverseOffer[] }
  | { readonly kind: "task_status"; readonly update: TaskStatusInput }
  /** Which readiness probes are due now (answered by `readiness_probe` outputs). */
  | { readonly kind: "readiness_due" }
  | {
      readonly kind: "readiness_result";
      readonly target: ReadinessProbeTarget;
      readonly result: ReadinessResult;
    }
  /** The periodic review: unreachable instances, the scale check, preemption, deployments. */
  | { readonly kind: "tick" }
  /** The roles' quotas as the master reported them (GET_QUOTA), for quota admission. */
  | { readonly kind: "quotas"; readonly quotas: readonly RoleQuota[] }
  /** Drive the deployments as far as they go now (after a command). */
  | { readonly kind: "advance" };

/** The answer to a command input, by the input's kind. */
export type ServicesReply =
  | { readonly to: "deploy"; readonly result: Result<DeploymentResult> }
  | { readonly to: "cancel_deployment"; readonly result: Result<DeploymentResult | undefined> }
  | { readonly to: "update_command"; readonly result: Result<DeploymentResult | undefined> }
  | { readonly to: "kill_tasks"; readonly result: Result<KilledTasks> }
  | { readonly to: "reset_delay"; readonly reset: boolean };

export type ServicesOutput =
  | FrameworkOutput<ServicesWrite, ServiceEvent, ServicesReply>
  /** Run this readiness probe and feed its answer back as a `readiness_result` input. */
  | { readonly kind: "readiness_probe"; readonly target: ReadinessProbeTarget };
