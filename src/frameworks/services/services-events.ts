// The Marathon events the services engine emits (reference §1.8 `/v2/events`), one typed case
// per `eventType`. The core builds them (with the input's time as `timestamp`); the shell puts
// them on the event bus, which the SSE stream of the HTTP API reads. Field names and order are
// Marathon's: `eventType`, `timestamp`, then the event's own fields.
import type { TaskState } from "../../wire/status.ts";
import type { AppDefinition } from "./app-definition.ts";
import type { DeploymentAction } from "./deployment-plan.ts";
import type { AppId } from "./path-id.ts";

/** A deployment plan as events show it. */
export interface PlanJson {
  readonly id: string;
  readonly steps: { readonly actions: DeploymentAction[] }[];
  readonly version: string;
}

interface StepJson {
  readonly actions: DeploymentAction[];
}

/** Each event's own fields, by `eventType`. */
export interface ServiceEventFieldsByType {
  deployment_info: { readonly plan: PlanJson; readonly currentStep: StepJson };
  deployment_success: { readonly id: string; readonly plan: PlanJson };
  deployment_failed: { readonly id: string; readonly plan: PlanJson; readonly reason?: string };
  deployment_step_success: { readonly plan: PlanJson; readonly currentStep: StepJson };
  deployment_step_failure: { readonly plan: PlanJson; readonly currentStep: StepJson };
  group_change_success: { readonly groupId: string; readonly version: string };
  group_change_failed: {
    readonly groupId: string;
    readonly version: string;
    readonly reason: string;
  };
  /** Every instance of a removed app has stopped. */
  app_terminated_event: { readonly appId: AppId };
  instance_changed_event: {
    readonly instanceId: string;
    readonly condition: string;
    readonly runSpecId: AppId;
    readonly agentId: string;
    readonly host: string;
    readonly runSpecVersion: string;
  };
  /** A task Mesos reported that no instance owns any more (it is killed). */
  unknown_instance_terminated_event: {
    readonly instanceId: string;
    readonly runSpecId: string;
    readonly condition: string;
  };
  health_status_changed_event: {
    readonly appId: AppId;
    readonly instanceId: string;
    readonly version: string;
    readonly alive: boolean;
  };
  failed_health_check_event: {
    readonly appId: AppId;
    readonly taskId: string;
    readonly healthCheck: unknown;
  };
  unhealthy_instance_kill_event: {
    readonly appId: AppId;
    readonly taskId: string;
    readonly instanceId: string;
    readonly version: string;
    readonly reason: string;
    readonly host: string;
    readonly slaveId: string;
  };
  pod_created_event: { readonly clientIp: string; readonly uri: string };
  pod_updated_event: { readonly clientIp: string; readonly uri: string };
  pod_deleted_event: { readonly clientIp: string; readonly uri: string };
  scheduler_registered_event: { readonly frameworkId: string; readonly master: string };
  scheduler_reregistered_event: { readonly frameworkId: string; readonly master: string };
  scheduler_disconnected_event: { readonly master: string };
  status_update_event: {
    readonly slaveId: string;
    readonly taskId: string;
    readonly taskStatus: TaskState;
    readonly message: string;
    readonly appId: AppId;
    readonly host: string;
    readonly ipAddresses: string[];
    readonly ports: number[];
    readonly version: string;
  };
  instance_health_changed_event: {
    readonly instanceId: string;
    readonly runSpecId: AppId;
    readonly healthy: boolean;
    readonly runSpecVersion: string;
  };
  api_post_event: {
    readonly clientIp: string;
    readonly uri: string;
    readonly appDefinition: AppDefinition;
  };
  /** Written by the HTTP shell to a new subscriber only, never by the core. */
  event_stream_attached: { readonly remoteAddress: string };
}

export type ServiceEventType = keyof ServiceEventFieldsByType;

export type ServiceEventOf<T extends ServiceEventType> = {
  readonly eventType: T;
  readonly timestamp: string;
} & ServiceEventFieldsByType[T];

export type ServiceEvent = { [T in ServiceEventType]: ServiceEventOf<T> }[ServiceEventType];

/** Builds an event, stamped with `nowMs` (the input's time, never a clock read). */
export function serviceEvent<T extends ServiceEventType>(
  eventType: T,
  nowMs: number,
  fields: ServiceEventFieldsByType[T],
): ServiceEvent {
  const event: ServiceEventOf<T> = {
    eventType,
    timestamp: new Date(nowMs).toISOString(),
    ...fields,
  };
  // TypeScript cannot see that an event of a generic T is one case of the union.
  return event as unknown as ServiceEvent;
}
