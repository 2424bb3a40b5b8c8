// The shell around the services core (services-core.ts): it reads the store once at start,
// hands each command and Mesos input to the core with the time, and carries out the outputs in
// order — store writes to the AppStore, events to the listeners (the SSE stream); readiness
// probes and scheduler calls go back to the caller (the Mesos adapter runs them). The core
// stays pure; everything that touches the store or the event bus is here.
import { assert } from "../../base/assert.ts";
import type { InverseOffer, Offer } from "../../wire/offer.ts";
import type { AppVersion } from "./app-json.ts";
import type { AppStore } from "./app-store.ts";
import type { UpdateCommand } from "./aurora-update.ts";
import type { AppId } from "./path-id.ts";
import type { ReadinessProbeTarget, ReadinessResult } from "./readiness.ts";
import { ServicesCore, type ServicesSnapshot } from "./services-core.ts";
import {
  type ServiceEvent,
  type ServiceEventFieldsByType,
  type ServiceEventType,
  serviceEvent,
} from "./services-events.ts";
import type {
  AppChange,
  KilledTasks,
  ServicesInput,
  ServicesOutput,
  ServicesReply,
  ServicesWrite,
  TaskStatusInput,
} from "./services-outputs.ts";
import type {
  DeploymentResult,
  Result,
  ServicesEffect,
  ServicesStateOptions,
} from "./services-types.ts";

export type { ServiceEvent } from "./services-events.ts";
export type {
  DeploymentResult,
  Result,
  ServicesEffect,
  ServicesError,
  ServicesErrorCode,
  ServicesStateOptions,
} from "./services-types.ts";

/** Reads what the core starts from: every record, and the past versions instances run. */
function readSnapshot(store: AppStore): ServicesSnapshot {
  const apps = store.apps();
  const instances = store.instances();
  const versionIds = new Map<AppId, string[]>();
  for (const v of apps) versionIds.set(v.app.id as AppId, store.versions(v.app.id as AppId));
  const runningVersions: AppVersion[] = [];
  const seen = new Set<string>();
  for (const i of instances) {
    const key = `${i.appId} ${i.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const v = store.version(i.appId, i.version);
    if (v !== undefined) runningVersions.push(v);
    if (!versionIds.has(i.appId)) versionIds.set(i.appId, store.versions(i.appId));
  }
  return {
    apps,
    instances,
    versionIds,
    runningVersions,
    deployments: store.deployments(),
    failures: store.taskFailures(),
  };
}

/** How each store write is carried out. */
const WRITERS: {
  readonly [K in ServicesWrite["kind"]]: (
    store: AppStore,
    w: Extract<ServicesWrite, { kind: K }>,
  ) => void;
} = {
  put_app: (store, w) => store.putApp(w.app),
  delete_app: (store, w) => store.deleteApp(w.appId),
  put_deployment: (store, w) => store.putDeployment(w.deployment),
  delete_deployment: (store, w) => store.deleteDeployment(w.deploymentId),
  put_instance: (store, w) => store.putInstance(w.instance),
  delete_instance: (store, w) => store.deleteInstance(w.instanceId),
  put_task_failure: (store, w) => store.putTaskFailure(w.failure),
};

function write(store: AppStore, w: ServicesWrite): void {
  // The table's entry for w.kind takes exactly this case; TypeScript cannot follow that.
  (WRITERS[w.kind] as (store: AppStore, w: ServicesWrite) => void)(store, w);
}

/** The scheduler calls among outputs, in order, for the Mesos adapter. */
function schedulerCalls(out: readonly ServicesOutput[]): ServicesEffect[] {
  return out.filter(
    (o): o is ServicesEffect =>
      o.kind === "launch" ||
      o.kind === "decline" ||
      o.kind === "kill" ||
      o.kind === "inverse_offer",
  );
}

function replyTo<T extends ServicesReply["to"]>(
  out: readonly ServicesOutput[],
  to: T,
): Extract<ServicesReply, { to: T }> {
  for (const o of out)
    if (o.kind === "reply" && o.reply.to === to)
      return o.reply as Extract<ServicesReply, { to: T }>;
  assert(false, `the services core gave no ${to} reply`);
}

/**
 * The core with its shell attached: every input goes through `handle`, which carries out the
 * store writes and events before returning the outputs; the queries are the core's.
 */
export class ServicesState extends ServicesCore {
  private readonly store: AppStore;
  private readonly listeners: ((e: ServiceEvent) => void)[] = [];

  constructor(options: ServicesStateOptions) {
    super(options, readSnapshot(options.store));
    this.store = options.store;
  }

  onEvent(listener: (e: ServiceEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Puts one of the API's own events (api_post_event) on the bus. */
  emit<T extends ServiceEventType>(
    eventType: T,
    nowMs: number,
    fields: ServiceEventFieldsByType[T],
  ): void {
    this.publish(serviceEvent(eventType, nowMs, fields));
  }

  private publish(event: ServiceEvent): void {
    for (const l of this.listeners) l(event);
  }

  /** Handles one input; its store writes and events are carried out before this returns. */
  override handle(input: ServicesInput, nowMs: number): ServicesOutput[] {
    const out = super.handle(input, nowMs);
    for (const o of out) {
      if (o.kind === "store_write") write(this.store, o.write);
      else if (o.kind === "event") this.publish(o.event);
    }
    return out;
  }

  // ---- commands ------------------------------------------------------------------------------

  /** See DeploymentDriver.deploy. */
  deploy(change: AppChange, force: boolean, nowMs: number): Result<DeploymentResult> {
    return replyTo(this.handle({ kind: "deploy", change, force }, nowMs), "deploy").result;
  }

  cancelDeployment(
    id: string,
    force: boolean,
    nowMs: number,
  ): Result<DeploymentResult | undefined> {
    const out = this.handle({ kind: "cancel_deployment", deploymentId: id, force }, nowMs);
    return replyTo(out, "cancel_deployment").result;
  }

  /** Tessera: pause, resume, pulse or roll back a deployment's Aurora updates. */
  updateCommand(
    id: string,
    command: UpdateCommand | "rollback",
    nowMs: number,
  ): Result<DeploymentResult | undefined> {
    const out = this.handle({ kind: "update_command", deploymentId: id, command }, nowMs);
    return replyTo(out, "update_command").result;
  }

  /** Kills tasks; with `scale` the app's instance count shrinks (a deployment), else they are replaced. */
  killTasks(taskIds: readonly string[], scale: boolean, nowMs: number): Result<KilledTasks> {
    return replyTo(this.handle({ kind: "kill_tasks", taskIds, scale }, nowMs), "kill_tasks").result;
  }

  /** Resets an app's launch delay (DELETE /v2/queue/{id}/delay). */
  resetDelay(id: AppId): boolean {
    // The time is not read: resetting a delay changes nothing else.
    return replyTo(this.handle({ kind: "reset_delay", appId: id }, 0), "reset_delay").reset;
  }

  /** Drives every deployment as far as it can go now; returns kills to send. */
  advance(nowMs: number): ServicesEffect[] {
    return schedulerCalls(this.handle({ kind: "advance" }, nowMs));
  }

  // ---- Mesos inputs --------------------------------------------------------------------------

  /** Matches offers against scheduled instances; every offer is either used or declined. */
  handleOffers(offers: readonly Offer[], nowMs: number): ServicesEffect[] {
    return schedulerCalls(this.handle({ kind: "offers", offers }, nowMs));
  }

  /** Maintenance inverse offers: answered (accept or decline) and agents drained per SLA. */
  handleInverseOffers(inverseOffers: readonly InverseOffer[], nowMs: number): ServicesEffect[] {
    return schedulerCalls(this.handle({ kind: "inverse_offers", inverseOffers }, nowMs));
  }

  /** A task status from Mesos (already acknowledged by the adapter). */
  handleStatus(update: TaskStatusInput, nowMs: number): ServicesEffect[] {
    return schedulerCalls(this.handle({ kind: "task_status", update }, nowMs));
  }

  /** Readiness probes due now (the adapter runs them over HTTP and reports each result). */
  readinessProbes(nowMs: number): ReadinessProbeTarget[] {
    return this.handle({ kind: "readiness_due" }, nowMs).flatMap((o) =>
      o.kind === "readiness_probe" ? [o.target] : [],
    );
  }

  /** A readiness probe's answer: a ready instance now counts toward deployment progress. */
  readinessResult(
    target: ReadinessProbeTarget,
    result: ReadinessResult,
    nowMs: number,
  ): ServicesEffect[] {
    return schedulerCalls(this.handle({ kind: "readiness_result", target, result }, nowMs));
  }

  /** Timers: deployments, and Marathon's scale check for apps outside deployments. */
  tick(nowMs: number): ServicesEffect[] {
    return schedulerCalls(this.handle({ kind: "tick" }, nowMs));
  }

  // ---- the store's own answers ---------------------------------------------------------------

  versions(id: AppId): string[] {
    return this.store.versions(id);
  }
  version(id: AppId, version: string): AppVersion | undefined {
    return this.store.version(id, version);
  }
  frameworkId(): string | undefined {
    return this.store.frameworkId();
  }
  setFrameworkId(id: string): void {
    this.store.setFrameworkId(id);
  }
}
