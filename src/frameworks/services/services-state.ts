// The shell around the services core (services-core.ts): it reads the store once at start,
// hands each command and Mesos input to the core with the time, and carries out the outputs in
// order — store writes to the AppStore, events to the listeners (the SSE stream), readiness
// probes and scheduler calls back to the caller (the Mesos adapter runs them). The core stays
// pure; everything that touches the store or the event bus is here.
import { assert } from "../../base/assert.ts";
import type { Offer } from "../../wire/offer.ts";
import type { AppVersion } from "./app-json.ts";
import type { AppStore, DeploymentRecord } from "./app-store.ts";
import type { Instance } from "./instance.ts";
import type { OfferStats } from "./offer-stats.ts";
import type { AppId } from "./path-id.ts";
import type { ReadinessProbeTarget, ReadinessResult } from "./readiness.ts";
import { ServicesCore, type ServicesSnapshot } from "./services-core.ts";
import type { ServiceEvent } from "./services-events.ts";
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
  Backoff,
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
  return { apps, instances, versionIds, runningVersions, deployments: store.deployments() };
}

function write(store: AppStore, w: ServicesWrite): void {
  switch (w.kind) {
    case "put_app":
      store.putApp(w.app);
      return;
    case "delete_app":
      store.deleteApp(w.appId);
      return;
    case "put_deployment":
      store.putDeployment(w.deployment);
      return;
    case "delete_deployment":
      store.deleteDeployment(w.deploymentId);
      return;
    case "put_instance":
      store.putInstance(w.instance);
      return;
    case "delete_instance":
      store.deleteInstance(w.instanceId);
      return;
  }
}

export class ServicesState {
  private readonly store: AppStore;
  private readonly core: ServicesCore;
  private readonly listeners: ((e: ServiceEvent) => void)[] = [];

  constructor(options: ServicesStateOptions) {
    this.store = options.store;
    this.core = new ServicesCore(options, readSnapshot(options.store));
  }

  onEvent(listener: (e: ServiceEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Puts an event on the bus (the API's own events, e.g. api_post_event). */
  emit(event: ServiceEvent): void {
    for (const l of this.listeners) l(event);
  }

  // ---- carrying out outputs ------------------------------------------------------------------

  /** Handles one input and carries out its outputs; returns those for the caller to run. */
  private run(input: ServicesInput, nowMs: number): Carried {
    const carried: Carried = { calls: [], probes: [], reply: undefined };
    for (const o of this.core.handle(input, nowMs)) this.carryOut(o, carried);
    return carried;
  }

  private carryOut(o: ServicesOutput, carried: Carried): void {
    switch (o.kind) {
      case "store_write":
        write(this.store, o.write);
        return;
      case "event":
        this.emit(o.event);
        return;
      case "readiness_probe":
        carried.probes.push(o.target);
        return;
      case "reply":
        carried.reply = o.reply;
        return;
      default:
        carried.calls.push(o);
        return;
    }
  }

  private ask<T extends ServicesReply["to"]>(
    input: ServicesInput,
    to: T,
    nowMs: number,
  ): Extract<ServicesReply, { to: T }> {
    const { reply } = this.run(input, nowMs);
    assert(reply?.to === to, `the services core gave no ${to} reply`);
    return reply as Extract<ServicesReply, { to: T }>;
  }

  // ---- commands ------------------------------------------------------------------------------

  /** See DeploymentDriver.deploy. */
  deploy(change: AppChange, force: boolean, nowMs: number): Result<DeploymentResult> {
    return this.ask({ kind: "deploy", change, force }, "deploy", nowMs).result;
  }

  cancelDeployment(
    id: string,
    force: boolean,
    nowMs: number,
  ): Result<DeploymentResult | undefined> {
    const input = { kind: "cancel_deployment", deploymentId: id, force } as const;
    return this.ask(input, "cancel_deployment", nowMs).result;
  }

  /** Kills tasks; with `scale` the app's instance count shrinks (a deployment), else they are replaced. */
  killTasks(taskIds: readonly string[], scale: boolean, nowMs: number): Result<KilledTasks> {
    return this.ask({ kind: "kill_tasks", taskIds, scale }, "kill_tasks", nowMs).result;
  }

  /** Resets an app's launch delay (DELETE /v2/queue/{id}/delay). */
  resetDelay(id: AppId): boolean {
    // The time is not read: resetting a delay changes nothing else.
    return this.ask({ kind: "reset_delay", appId: id }, "reset_delay", 0).reset;
  }

  /** Drives every deployment as far as it can go now; returns kills to send. */
  advance(nowMs: number): ServicesEffect[] {
    return this.run({ kind: "advance" }, nowMs).calls;
  }

  // ---- Mesos inputs --------------------------------------------------------------------------

  /** Matches offers against scheduled instances; every offer is either used or declined. */
  handleOffers(offers: readonly Offer[], nowMs: number): ServicesEffect[] {
    return this.run({ kind: "offers", offers }, nowMs).calls;
  }

  /** A task status from Mesos (already acknowledged by the adapter). */
  handleStatus(update: TaskStatusInput, nowMs: number): ServicesEffect[] {
    return this.run({ kind: "task_status", update }, nowMs).calls;
  }

  /** Readiness probes due now (the adapter runs them over HTTP and reports each result). */
  readinessProbes(nowMs: number): ReadinessProbeTarget[] {
    return this.run({ kind: "readiness_due" }, nowMs).probes;
  }

  /** A readiness probe's answer: a ready instance now counts toward deployment progress. */
  readinessResult(
    target: ReadinessProbeTarget,
    result: ReadinessResult,
    nowMs: number,
  ): ServicesEffect[] {
    return this.run({ kind: "readiness_result", target, result }, nowMs).calls;
  }

  /** Timers: deployments, and Marathon's scale check for apps outside deployments. */
  tick(nowMs: number): ServicesEffect[] {
    return this.run({ kind: "tick" }, nowMs).calls;
  }

  // ---- queries -------------------------------------------------------------------------------

  apps(): AppVersion[] {
    return this.core.apps();
  }
  app(id: AppId): AppVersion | undefined {
    return this.core.app(id);
  }
  instancesOf(id: AppId): Instance[] {
    return this.core.instancesOf(id);
  }
  instances(): Instance[] {
    return this.core.instances();
  }
  hasWaitingInstances(): boolean {
    return this.core.hasWaitingInstances();
  }
  deployments(): readonly DeploymentRecord[] {
    return this.core.deployments();
  }
  deploymentsOf(id: AppId): DeploymentRecord[] {
    return this.core.deploymentsOf(id);
  }
  versions(id: AppId): string[] {
    return this.store.versions(id);
  }
  version(id: AppId, version: string): AppVersion | undefined {
    return this.store.version(id, version);
  }
  offerStats(id: AppId): OfferStats | undefined {
    return this.core.offerStats(id);
  }
  backoff(id: AppId): Backoff | undefined {
    return this.core.backoff(id);
  }
  readinessResultsOf(id: AppId): ReadinessResult[] {
    return this.core.readinessResultsOf(id);
  }
  frameworkId(): string | undefined {
    return this.store.frameworkId();
  }
  setFrameworkId(id: string): void {
    this.store.setFrameworkId(id);
  }
}

/** What one input left for the caller: scheduler calls, probes to run, a command's answer. */
interface Carried {
  readonly calls: ServicesEffect[];
  readonly probes: ReadinessProbeTarget[];
  reply: ServicesReply | undefined;
}
