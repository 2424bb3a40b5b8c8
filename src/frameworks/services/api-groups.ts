// `/v2/groups` of the services API (reference §1.6): read a group tree with Marathon's embeds,
// create one (POST), change it (PUT: apps/groups replaced, `scaleBy`, roll back to `version`,
// `dryRun`), delete it with every app below. Each change is one deployment whose plan orders
// the apps by their dependencies (deployment-plan.ts). Groups with no apps that were created
// here, and the root's versions, are kept in memory: apps are the durable truth.

import { appInfoJson } from "./api-json.ts";
import { type ApiReply, deployed, errorReply, flag, json, message } from "./api-reply.ts";
import type { AppDefinition } from "./app-definition.ts";
import { type AppVersion, appToJson, sameDefinition } from "./app-json.ts";
import { parseJsonText } from "./app-validation.ts";
import { buildPlan } from "./deployment-plan.ts";
import {
  appsUnder,
  type FlatGroup,
  flattenGroup,
  groupNode,
  isUnder,
  MAX_GROUP_VERSIONS,
  parseGroupId,
  scaledBy,
} from "./groups.ts";
import type { AppId } from "./path-id.ts";
import { isPod, type PodApp, podJson } from "./pods.ts";
import type { AppChange } from "./services-outputs.ts";
import type { ServicesState } from "./services-state.ts";
import type { DeploymentResult, Result } from "./services-types.ts";

export interface GroupsContext {
  readonly state: ServicesState;
  now(): number;
  /** Carries the effects of the change just made out (ServicesApi.flush). */
  flush(): void;
  readonly defaultRole: string;
}

interface GroupRequest {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly body: string;
}

/** Marathon's default embeds for groups: direct apps, pods and subgroups. */
const DEFAULT_EMBEDS = ["group.groups", "group.apps", "group.pods"];

export class GroupsApi {
  /** Group ids created by POST/PUT that may hold no app (yet). */
  private readonly known = new Set<string>();
  /** The root's app definitions after each group change, oldest first. */
  private readonly history: { version: string; apps: AppVersion[] }[] = [];

  constructor(private readonly ctx: GroupsContext) {}

  /** One request below `/v2/groups`; `tail` is the path after it ("" for the root). */
  serve(req: GroupRequest, tail: string): ApiReply {
    const versions = /^(.*?)\/?versions(?:\/(.+))?$/.exec(tail);
    if (versions !== null && req.method === "GET")
      return this.versions(versions[1] ?? "", versions[2]);
    const id = parseGroupId(tail === "" ? "/" : `/${tail}`);
    if (!id.ok) return message(404, `Group '/${tail}' does not exist`);
    switch (req.method) {
      case "GET":
        return this.get(id.id, req.query);
      case "POST":
        return this.create(id.id, req);
      case "PUT":
        return this.update(id.id, req);
      case "DELETE":
        return this.remove(id.id, req);
      default:
        return message(405, "Method not allowed");
    }
  }

  // ---- reading -------------------------------------------------------------------------------

  private get(id: string, query: URLSearchParams): ApiReply {
    const embeds = query.getAll("embed");
    const tree = this.groupJson(
      id,
      this.ctx.state.apps(),
      new Set(embeds.length > 0 ? embeds : DEFAULT_EMBEDS),
    );
    return tree === undefined ? message(404, `Group '${id}' does not exist`) : json(200, tree);
  }

  private groupJson(
    id: string,
    apps: readonly AppVersion[],
    embeds: ReadonlySet<string>,
  ): Record<string, unknown> | undefined {
    const node = groupNode(id, apps, this.known);
    if (node === undefined) return undefined;
    const withInfo = [
      "group.apps.counts",
      "group.apps.tasks",
      "group.apps.deployments",
      "group.apps.lastTaskFailure",
    ].some((e) => embeds.has(e));
    const appJson = (v: AppVersion) =>
      withInfo
        ? appInfoJson(
            this.ctx.state,
            v,
            embeds.has("group.apps.tasks"),
            embeds.has("group.apps.lastTaskFailure"),
          )
        : appToJson(v);
    return {
      id,
      apps:
        embeds.has("group.apps") || withInfo
          ? node.apps.filter((v) => !isPod(v.app)).map(appJson)
          : [],
      pods: embeds.has("group.pods")
        ? node.apps
            .filter((v) => isPod(v.app))
            .map((v) => podJson(v as AppVersion & { app: PodApp }))
        : [],
      groups: embeds.has("group.groups")
        ? node.groups.flatMap((g) => {
            const sub = this.groupJson(g, apps, embeds);
            return sub === undefined ? [] : [sub];
          })
        : [],
      dependencies: [],
      version: node.version ?? this.history.at(-1)?.version ?? new Date(0).toISOString(),
      enforceRole: false,
    };
  }

  /** `/v2/groups/{id}/versions` (a bare array) and `/versions/{v}` (the group then). */
  private versions(rawId: string, version: string | undefined): ApiReply {
    const id = parseGroupId(rawId === "" ? "/" : `/${rawId}`);
    if (!id.ok) return message(404, `Group '/${rawId}' does not exist`);
    const holding = this.history.filter((h) => groupNode(id.id, h.apps, this.known) !== undefined);
    if (version === undefined) return json(200, holding.map((h) => h.version).reverse());
    const at = holding.find((h) => h.version === version);
    const tree =
      at === undefined ? undefined : this.groupJson(id.id, at.apps, new Set(DEFAULT_EMBEDS));
    return tree === undefined
      ? message(404, `Group '${id.id}' does not exist in version ${version}`)
      : json(200, tree);
  }

  // ---- changing ------------------------------------------------------------------------------

  /** Parses a group body; its id is resolved against `base(body)`. */
  private body(
    req: GroupRequest,
    base: (raw: Record<string, unknown>) => string,
  ): { ok: true; group: FlatGroup; raw: Record<string, unknown> } | { ok: false; reply: ApiReply } {
    const parsed = parseJsonText(req.body === "" ? "{}" : req.body);
    if (!parsed.ok) return { ok: false, reply: json(parsed.failure.status, parsed.failure.body) };
    const raw = parsed.value;
    const obj = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
    const flat = flattenGroup(raw, base(obj), this.ctx.defaultRole);
    if (!flat.ok) return { ok: false, reply: json(flat.failure.status, flat.failure.body) };
    return { ok: true, group: flat.group, raw: raw as Record<string, unknown> };
  }

  private create(parent: string, req: GroupRequest): ApiReply {
    // The body's id is relative to the group of the path (the root for POST /v2/groups).
    const body = this.body(req, () => parent);
    if (!body.ok) return body.reply;
    const { group } = body;
    const exists = groupNode(group.id, this.ctx.state.apps(), this.known) !== undefined;
    if (group.id === "/" || exists)
      return message(409, `Group ${group.id} is already created. Use PUT to change this group.`);
    const reply = this.deploy(
      { upsert: group.apps },
      flag(req.query, "force"),
      group.groupIds,
      201,
    );
    if (reply.kind !== "json" || reply.status !== 201) return reply;
    return { ...reply, headers: { ...reply.headers, Location: `/v2/groups${group.id}` } };
  }

  private update(id: string, req: GroupRequest): ApiReply {
    // The path names the group; a body id, if any, must name the same one.
    const body = this.body(req, (raw) => (raw.id === undefined ? id : "/"));
    if (!body.ok) return body.reply;
    const { raw, group } = body;
    if (group.id !== id) return message(422, `Group id ${group.id} does not match the path ${id}`);
    const current = this.ctx.state.apps();
    const below = current.filter((v) => isUnder(v.app.id, id) && v.app.id !== id);
    const force = flag(req.query, "force");
    let change: AppChange;
    if (typeof raw.version === "string" && raw.apps === undefined && raw.groups === undefined) {
      const at = this.history.find((h) => h.version === raw.version);
      if (at === undefined)
        return message(404, `Group '${id}' does not exist in version ${raw.version}`);
      const then = at.apps
        .filter((v) => isUnder(v.app.id, id) && v.app.id !== id)
        .map((v) => v.app);
      change = this.replace(below, then);
    } else if (
      typeof raw.scaleBy === "number" &&
      raw.apps === undefined &&
      raw.groups === undefined
    ) {
      if (!(raw.scaleBy >= 0)) return message(422, "scaleBy must be 0 or more");
      change = {
        upsert: scaledBy(
          below.map((v) => v.app),
          raw.scaleBy,
        ),
      };
    } else {
      // Parts the body lists replace the group's; parts it leaves out stay as they are.
      const keep = below
        .filter((v) => {
          const direct = v.app.id.slice(id === "/" ? 1 : id.length + 1).indexOf("/") < 0;
          return direct ? !group.replacesApps : !group.replacesGroups;
        })
        .map((v) => v.app);
      const wanted = [...keep.filter((a) => !group.apps.some((g) => g.id === a.id)), ...group.apps];
      change = this.replace(below, wanted);
    }
    if (flag(req.query, "dryRun")) return json(200, { steps: this.dryRun(change) });
    return this.deploy(change, force, group.groupIds, 200);
  }

  private remove(id: string, req: GroupRequest): ApiReply {
    const apps = this.ctx.state.apps();
    if (groupNode(id, apps, this.known) === undefined)
      return message(404, `Group '${id}' does not exist`);
    for (const g of [...this.known]) if (isUnder(g, id)) this.known.delete(g);
    return this.deploy({ remove: appsUnder(id, apps) }, flag(req.query, "force"), [], 200);
  }

  /** From the apps now below a group to `wanted`: changed ones upserted, missing ones removed. */
  private replace(below: readonly AppVersion[], wanted: readonly AppDefinition[]): AppChange {
    const upsert = wanted.filter((a) => {
      const now = below.find((v) => v.app.id === a.id);
      return now === undefined || !sameDefinition(now.app, a);
    });
    const remove = below
      .filter((v) => !wanted.some((a) => a.id === v.app.id))
      .map((v) => v.app.id as AppId);
    return { upsert, remove };
  }

  /** The steps the change would run (PUT with `dryRun`), without changing anything. */
  private dryRun(change: AppChange): unknown[] {
    const original = new Map<AppId, AppVersion>();
    const target = new Map<AppId, AppVersion>();
    for (const v of this.ctx.state.apps()) {
      const id = v.app.id as AppId;
      if ((change.remove ?? []).includes(id)) original.set(id, v);
    }
    for (const app of change.upsert ?? []) {
      const id = app.id as AppId;
      const before = this.ctx.state.app(id);
      if (before !== undefined) original.set(id, before);
      target.set(id, { app, version: "", lastScalingAt: "", lastConfigChangeAt: "" });
    }
    return buildPlan(original, target).map((actions) => ({ actions }));
  }

  private deploy(
    change: AppChange,
    force: boolean,
    groupIds: readonly string[],
    status: number,
  ): ApiReply {
    const result: Result<DeploymentResult> = this.ctx.state.deploy(change, force, this.ctx.now());
    if (!result.ok) return errorReply(result.error);
    for (const g of groupIds) if (g !== "/") this.known.add(g);
    this.history.push({ version: result.value.version, apps: this.ctx.state.apps() });
    if (this.history.length > MAX_GROUP_VERSIONS) this.history.shift();
    this.ctx.flush();
    return deployed(result.value, status);
  }
}
