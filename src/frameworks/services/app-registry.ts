// The app registry of the services core: each app's current version by app id, the version
// clock, service-port assignment, and which past versions the store still keeps — so that an
// instance still running an older config can be relaunched with exactly the definition it ran,
// without the core reading the store (the shell loads the versions instances run at start).
import type { AppDefinition } from "./app-definition.ts";
import { type AppVersion, MAX_APP_VERSIONS } from "./app-json.ts";
import { buildPlan } from "./deployment-plan.ts";
import type { AppId } from "./path-id.ts";
import { assignServicePorts } from "./service-ports.ts";
import type { ServicesCtx } from "./services-context.ts";
import type { AppChange } from "./services-outputs.ts";

/** What the registry starts from: the store's apps, version ids, and the versions instances run. */
export interface RegistrySnapshot {
  readonly apps: readonly AppVersion[];
  /** Stored version ids per app (any order). */
  readonly versionIds: ReadonlyMap<AppId, readonly string[]>;
  /** Stored definitions of the versions that instances run. */
  readonly runningVersions: readonly AppVersion[];
}

/** Past versions of one app: the ids the store keeps, and the definitions the core still needs. */
interface History {
  readonly ids: Set<string>;
  readonly definitions: Map<string, AppVersion>;
}

/** The apps before and after a change, and the plan between them (see DeploymentDriver.deploy). */
export interface ResolvedChange {
  readonly original: Map<AppId, AppVersion>;
  readonly target: Map<AppId, AppVersion>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class AppRegistry {
  private readonly current = new Map<AppId, AppVersion>();
  private readonly history = new Map<AppId, History>();
  private lastVersionMs = 0;

  constructor(
    private readonly portRange: readonly [number, number],
    snapshot: RegistrySnapshot,
  ) {
    for (const [id, ids] of snapshot.versionIds) for (const v of ids) this.historyOf(id).ids.add(v);
    for (const v of [...snapshot.runningVersions, ...snapshot.apps])
      this.historyOf(v.app.id as AppId).definitions.set(v.version, v);
    for (const v of snapshot.apps) this.current.set(v.app.id as AppId, v);
  }

  get(id: AppId): AppVersion | undefined {
    return this.current.get(id);
  }

  has(id: AppId): boolean {
    return this.current.has(id);
  }

  /** Every app's current version, by app id. */
  sorted(): AppVersion[] {
    return [...this.current.values()].sort((a, b) => (a.app.id < b.app.id ? -1 : 1));
  }

  /** Every app's current definition, by app id (for readiness probes). */
  definitions(): Map<string, AppDefinition> {
    return new Map([...this.current].map(([id, v]) => [id as string, v.app]));
  }

  /** A stored version of `id` the core still holds, as the store would answer it. */
  version(id: AppId, version: string): AppVersion | undefined {
    const h = this.history.get(id);
    if (h === undefined || !h.ids.has(version)) return undefined;
    return h.definitions.get(version);
  }

  /** A fresh version timestamp, strictly increasing even within one millisecond. */
  nextVersion(nowMs: number): string {
    this.lastVersionMs = Math.max(nowMs, this.lastVersionMs + 1);
    return iso(this.lastVersionMs);
  }

  /**
   * The apps `change` touches as they are now (`original`) and as the change makes them
   * (`target`, absent = removed), every new version stamped `version`. Unknown ids in `remove`
   * and `restart` are the caller's to refuse first.
   */
  resolve(change: AppChange, affected: ReadonlySet<AppId>, version: string): ResolvedChange {
    const original = new Map<AppId, AppVersion>();
    const target = new Map<AppId, AppVersion>();
    for (const id of affected) {
      const current = this.current.get(id);
      if (current !== undefined) {
        original.set(id, current);
        target.set(id, current);
      }
    }
    for (const app of change.upsert ?? []) {
      const id = app.id as AppId;
      const before = this.current.get(id);
      const withPorts = assignServicePorts(
        app,
        [...this.current.values()].map((v) => v.app),
        this.portRange,
      );
      const configChanged =
        before === undefined ||
        buildPlan(new Map([[id, before]]), new Map([[id, { ...before, app: withPorts }]])).some(
          (s) => s.some((a) => a.action === "RestartApplication"),
        );
      target.set(id, {
        app: withPorts,
        version,
        lastScalingAt: version,
        lastConfigChangeAt:
          configChanged || before === undefined ? version : before.lastConfigChangeAt,
      });
    }
    for (const v of change.rollbackTo ?? []) {
      // The restored definition keeps its lastConfigChangeAt: instances still running that
      // config are current again and stay; only the others are replaced.
      target.set(v.app.id as AppId, { ...v, version, lastScalingAt: version });
    }
    for (const id of change.restart ?? []) {
      const current = this.current.get(id) as AppVersion;
      target.set(id, { ...current, version, lastScalingAt: version, lastConfigChangeAt: version });
    }
    for (const id of change.remove ?? []) target.delete(id);
    return { original, target };
  }

  /**
   * Makes `v` the app's current version. `inUse` says whether an instance still runs a past
   * version: only those definitions are kept (the store keeps the rest).
   */
  put(ctx: ServicesCtx, v: AppVersion, inUse: (version: string) => boolean): void {
    const id = v.app.id as AppId;
    this.current.set(id, v);
    const h = this.historyOf(id);
    h.ids.add(v.version);
    if (h.ids.size > MAX_APP_VERSIONS) {
      // The store prunes the same way: by version id, newest MAX_APP_VERSIONS kept.
      const ordered = [...h.ids].sort().reverse();
      for (const old of ordered.slice(MAX_APP_VERSIONS)) h.ids.delete(old);
    }
    h.definitions.set(v.version, v);
    for (const old of h.definitions.keys())
      if (old !== v.version && (!h.ids.has(old) || !inUse(old))) h.definitions.delete(old);
    ctx.write({ kind: "put_app", app: v });
  }

  /** Keeps `v`'s definition while the store keeps it: instances of it are being scheduled. */
  retain(v: AppVersion): void {
    const h = this.history.get(v.app.id as AppId);
    if (h?.ids.has(v.version) === true) h.definitions.set(v.version, v);
  }

  delete(ctx: ServicesCtx, id: AppId): void {
    this.current.delete(id);
    this.history.delete(id);
    ctx.write({ kind: "delete_app", appId: id });
  }

  private historyOf(id: AppId): History {
    let h = this.history.get(id);
    if (h === undefined) {
      h = { ids: new Set(), definitions: new Map() };
      this.history.set(id, h);
    }
    return h;
  }
}
