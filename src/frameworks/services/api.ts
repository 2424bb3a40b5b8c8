// The Marathon REST API v2, tier 1 (reference §1.6, §6), as a table of routes over
// ServicesState. App ids contain slashes (`/v2/apps/prod/web/restart`), so `/v2/apps` and its
// siblings are prefix routes whose handlers read the rest of the path. api-http.ts serves the
// table on src/http's HttpServer; `handle` runs it in-process (benchmarks). Every state change
// is committed to the store by ServicesState before the answer is built.

import { RouteTable } from "../../http/route-table.ts";
import { GroupsApi } from "./api-groups.ts";
import { appInfoJson, deploymentJson, queueJson, taskJson, tasksOf } from "./api-json.ts";
import { PodsApi } from "./api-pods.ts";
import { eventFilter, matchesLabelSelector } from "./api-query.ts";
import {
  type ApiAnswer,
  type ApiReply,
  type ApiRequest,
  type ApiRoute,
  deployed,
  errorReply,
  flag,
  invalid,
  json,
  message,
  uriNotFound,
} from "./api-reply.ts";
import { infoJson, metricsJson } from "./api-status.ts";
import { updateRoute } from "./api-updates.ts";
import type { AppDefinition } from "./app-definition.ts";
import { mergePartialUpdate } from "./app-json.ts";
import { parseAppDefinition, parseJsonText } from "./app-validation.ts";
import { isScheduled } from "./instance.ts";
import { type AppId, parseAppId } from "./path-id.ts";
import { isPod } from "./pods.ts";
import type { ServiceEvent, ServicesEffect, ServicesState } from "./services-state.ts";
import { parseTaskId } from "./task-info.ts";

export interface ServicesApiOptions {
  readonly state: ServicesState;
  readonly nowMs: () => number;
  /** Where launches/kills/declines go (the Mesos adapter); tests collect them. */
  readonly effects: (effects: ServicesEffect[]) => void;
  /** `host:port` of this API, reported by /v2/leader and /v2/info. */
  readonly leader: string;
  readonly version?: string;
  /** The framework's role: apps that name none run under it (Marathon's `--mesos_role`). */
  readonly role?: string;
  /** The master URL and the `zk://` state URL, as /v2/info reports them. */
  readonly master?: string;
  readonly zk?: string;
}

export class ServicesApi {
  readonly counters = { requests: 0, appsCreated: 0, deployments: 0 };
  private readonly state: ServicesState;
  private readonly options: ServicesApiOptions;
  /** `host:port` reported as the leader; the shell sets it once it knows its address. */
  leader: string;

  constructor(options: ServicesApiOptions) {
    this.options = options;
    this.state = options.state;
    this.leader = options.leader;
    for (const route of this.routes) this.#table.add(`/${route.name}`, route, route.subpaths);
  }

  private parseOptions(): { defaultRole: string } {
    return { defaultRole: this.options.role ?? "*" };
  }

  private now(): number {
    return this.options.nowMs();
  }

  private flush(): void {
    this.options.effects(this.state.advance(this.now()));
  }

  /** Every route of the API, in the shape of src/http's route table. */
  readonly routes: readonly ApiRoute[] = [
    { name: "ping", serve: () => ({ kind: "text", status: 200, body: "pong" }) },
    { name: "metrics", serve: () => json(200, metricsJson(this.state, this.counters)) },
    {
      name: "v2/info",
      serve: () =>
        json(
          200,
          infoJson(this.state, {
            leader: this.leader,
            version: this.options.version,
            role: this.options.role,
            master: this.options.master,
            zk: this.options.zk,
          }),
        ),
    },
    {
      name: "v2/leader",
      serve: (req) =>
        req.method === "DELETE"
          ? message(200, "Leadership abdicated")
          : json(200, { leader: this.leader }),
    },
    { name: "v2/events", serve: (req) => ({ kind: "events", filter: eventFilter(req.query) }) },
    { name: "v2/queue", subpaths: true, serve: (req, tail) => this.queue(req, tail) },
    { name: "v2/tasks", subpaths: true, serve: (req, tail) => this.tasks(req, tail) },
    { name: "v2/deployments", subpaths: true, serve: (req, tail) => this.deployments(req, tail) },
    { name: "v2/groups", subpaths: true, serve: (req, tail) => this.groups.serve(req, tail) },
    { name: "v2/pods", subpaths: true, serve: (req, tail) => this.pods.serve(req, tail) },
    {
      name: "v2/apps",
      subpaths: true,
      serve: (req, tail) => (tail === "" ? this.appsRoot(req) : this.appRoute(req, `/${tail}`)),
    },
  ];
  readonly #table = new RouteTable<ApiRoute>();
  #groups: GroupsApi | undefined;
  #pods: PodsApi | undefined;

  /** `/v2/pods` (api-pods.ts), made on first use like `groups`. */
  private get pods(): PodsApi {
    this.#pods ??= new PodsApi({
      state: this.state,
      now: () => this.now(),
      flush: () => this.flush(),
      defaultRole: this.parseOptions().defaultRole,
      podEvent: (type, fields) => this.state.emit(type, this.now(), fields),
    });
    return this.#pods;
  }

  /** `/v2/groups` (api-groups.ts), made on first use: the routes above exist before the options. */
  private get groups(): GroupsApi {
    this.#groups ??= new GroupsApi({
      state: this.state,
      now: () => this.now(),
      flush: () => this.flush(),
      defaultRole: this.parseOptions().defaultRole,
    });
    return this.#groups;
  }

  /** Answers one request in-process, matched against `routes` as the HTTP server does. */
  handle(req: ApiRequest): ApiReply {
    const found = this.#table.find(req.path);
    return found === undefined ? this.notFound() : this.serve(found.route, req, found.tail);
  }

  /** Runs one route; `tail` is the path below a prefix route ("" for its own path). */
  serve(route: ApiRoute, req: ApiRequest, tail: string): ApiReply {
    this.counters.requests += 1;
    return route.serve(req, tail);
  }

  /** Marathon's answer to a path it does not serve (counted as a request). */
  notFound(): ApiAnswer {
    this.counters.requests += 1;
    return uriNotFound();
  }

  // ---- /v2/queue, /v2/tasks, /v2/deployments -------------------------------------------------

  private queue(req: ApiRequest, tail: string): ApiReply {
    if (tail === "") {
      const embedOffers = req.query.getAll("embed").includes("lastUnusedOffers");
      return json(200, { queue: queueJson(this.state, this.now(), embedOffers) });
    }
    const delay = /^(.+)\/delay$/.exec(tail);
    if (delay === null || req.method !== "DELETE") return uriNotFound();
    const id = parseAppId(delay[1] as string);
    if (!id.ok || !this.state.resetDelay(id.id))
      return message(404, `Application ${delay[1]} not found in tasks queue.`);
    return { kind: "text", status: 204, body: "" };
  }

  private tasks(req: ApiRequest, tail: string): ApiReply {
    if (tail === "") return json(200, { tasks: this.allTasks(req.query) });
    if (tail === "delete" && req.method === "POST") return this.deleteTasks(req);
    return uriNotFound();
  }

  private deployments(req: ApiRequest, tail: string): ApiReply {
    if (tail === "") {
      return json(
        200,
        this.state.deployments().map((d) => deploymentJson(d, this.state)),
      );
    }
    const update = updateRoute(this.state, req, tail, this.now(), () => this.flush());
    if (update !== undefined) return update;
    if (tail.includes("/") || req.method !== "DELETE") return uriNotFound();
    return this.cancelDeployment(tail, req);
  }

  // ---- /v2/apps ----------------------------------------------------------------------------

  private appsRoot(req: ApiRequest): ApiReply {
    switch (req.method) {
      case "GET":
        return json(200, { apps: this.listApps(req.query) });
      case "POST":
        return this.createApp(req);
      case "PUT":
      case "PATCH":
        return this.updateMany(req);
      default:
        return message(405, "Method not allowed");
    }
  }

  private listApps(q: URLSearchParams): unknown[] {
    const cmd = q.get("cmd")?.toLowerCase();
    const idPart = q.get("id");
    const label = q.get("label");
    const embeds = q.getAll("embed");
    const embedTasks = embeds.includes("apps.tasks");
    // `apps.failures` is Marathon's deprecated shorthand for tasks and the last failure.
    const embedFailure =
      embeds.includes("apps.lastTaskFailure") || embeds.includes("apps.failures");
    return this.state
      .apps()
      .filter((v) => !isPod(v.app))
      .filter((v) => cmd === undefined || (v.app.cmd ?? "").toLowerCase().includes(cmd))
      .filter((v) => idPart === null || v.app.id.includes(idPart))
      .filter((v) => label === null || matchesLabelSelector(label, v.app.labels))
      .map((v) =>
        appInfoJson(this.state, v, embedTasks || embeds.includes("apps.failures"), embedFailure),
      );
  }

  private body(req: ApiRequest): { ok: true; value: unknown } | { ok: false; reply: ApiReply } {
    const parsed = parseJsonText(req.body);
    return parsed.ok ? parsed : { ok: false, reply: invalid(parsed.failure) };
  }

  private createApp(req: ApiRequest): ApiReply {
    const body = this.body(req);
    if (!body.ok) return body.reply;
    const parsed = parseAppDefinition(body.value, this.parseOptions());
    if (!parsed.ok) return invalid(parsed.failure);
    const id = parsed.app.id as AppId;
    if (this.state.app(id) !== undefined)
      return message(409, `An app with id [${id}] already exists.`);
    const result = this.state.deploy(
      { upsert: [parsed.app] },
      flag(req.query, "force"),
      this.now(),
    );
    if (!result.ok) return errorReply(result.error);
    this.counters.appsCreated += 1;
    const stored = this.state.app(id);
    if (stored !== undefined) this.apiPostEvent(req, stored.app);
    this.flush();
    const created = this.state.app(id);
    return json(201, created === undefined ? {} : appInfoJson(this.state, created, false), {
      Location: `/v2/apps${id}`,
      "Marathon-Deployment-Id": result.value.deploymentId,
    });
  }

  private apiPostEvent(req: ApiRequest, app: AppDefinition): void {
    const v = this.state.app(app.id as AppId);
    this.state.emit("api_post_event", this.now(), {
      clientIp: req.clientIp,
      uri: req.path,
      appDefinition: v === undefined ? app : v.app,
    });
  }

  /** PUT/PATCH /v2/apps: several apps in one deployment. */
  private updateMany(req: ApiRequest): ApiReply {
    const body = this.body(req);
    if (!body.ok) return body.reply;
    if (!Array.isArray(body.value))
      return json(400, {
        message: "Invalid JSON",
        details: [{ path: "/", errors: ["error.expected.jsarray"] }],
      });
    const partial = req.method === "PATCH" || flag(req.query, "partialUpdate", true);
    const upsert: AppDefinition[] = [];
    for (const [index, item] of body.value.entries()) {
      const rawId =
        typeof item === "object" && item !== null
          ? (item as Record<string, unknown>).id
          : undefined;
      const id = typeof rawId === "string" ? parseAppId(rawId) : undefined;
      const current = id?.ok ? this.state.app(id.id) : undefined;
      if (req.method === "PATCH" && current === undefined)
        return message(404, `App '${String(rawId)}' does not exist`);
      const input =
        partial && current !== undefined
          ? mergePartialUpdate(current.app, item as Record<string, unknown>)
          : item;
      const parsed = parseAppDefinition(input, this.parseOptions());
      if (!parsed.ok) {
        const details = parsed.failure.body.details.map((d) => ({
          ...d,
          path: `/(${index})${d.path}`,
        }));
        return json(parsed.failure.status, { ...parsed.failure.body, details });
      }
      upsert.push(parsed.app);
    }
    const result = this.state.deploy({ upsert }, flag(req.query, "force"), this.now());
    if (!result.ok) return errorReply(result.error);
    this.flush();
    return deployed(result.value);
  }

  private appRoute(req: ApiRequest, rest: string): ApiReply {
    const tail = /^(.*?)\/(restart|tasks|versions)(?:\/(.*))?$/.exec(rest);
    const rawId = tail === null ? rest : (tail[1] as string);
    const id = parseAppId(rawId);
    if (!id.ok) return message(404, `App '${rawId}' does not exist`);
    const sub = tail?.[2];
    const arg = tail?.[3];
    if (sub === undefined) return this.appItem(req, id.id);
    const current = this.state.app(id.id);
    if (current === undefined) return message(404, `App '${id.id}' does not exist`);
    if (sub === "restart" && req.method === "POST") {
      const result = this.state.deploy({ restart: [id.id] }, flag(req.query, "force"), this.now());
      if (!result.ok) return errorReply(result.error);
      this.flush();
      return deployed(result.value);
    }
    if (sub === "versions" && req.method === "GET") {
      if (arg === undefined || arg === "")
        return json(200, { versions: this.state.versions(id.id) });
      const v = this.state.version(id.id, arg);
      if (v === undefined) return message(404, `App '${id.id}' does not exist in version ${arg}`);
      return json(200, appInfoJson(this.state, v, false));
    }
    if (sub === "tasks") {
      if (req.method === "GET") return json(200, { tasks: tasksOf(this.state, id.id) });
      if (req.method === "DELETE") {
        const ids =
          arg !== undefined && arg !== ""
            ? [arg]
            : this.state
                .instancesOf(id.id)
                .filter(
                  (i) =>
                    !isScheduled(i) &&
                    (req.query.get("host") === null || i.agent?.hostname === req.query.get("host")),
                )
                .map((i) => `${i.instanceId}._app.${i.incarnation}`);
        return this.kill(ids, req, arg !== undefined && arg !== "");
      }
    }
    return message(405, "Method not allowed");
  }

  private appItem(req: ApiRequest, id: AppId): ApiReply {
    const found = this.state.app(id);
    // A pod is not an app (/v2/pods serves it).
    const current = found !== undefined && isPod(found.app) ? undefined : found;
    switch (req.method) {
      case "GET":
        if (current === undefined) return message(404, `App '${id}' does not exist`);
        // Marathon's code always embeds the tasks and the last failure here.
        return json(200, { app: appInfoJson(this.state, current, true, true) });
      case "DELETE": {
        if (current === undefined) return message(404, `App '${id}' does not exist`);
        // Marathon's code defaults `force` to true here.
        const result = this.state.deploy(
          { remove: [id] },
          flag(req.query, "force", true),
          this.now(),
        );
        if (!result.ok) return errorReply(result.error);
        this.flush();
        return deployed(result.value);
      }
      case "PUT":
      case "PATCH": {
        if (req.method === "PATCH" && current === undefined)
          return message(404, `App '${id}' does not exist`);
        const body = this.body(req);
        if (!body.ok) return body.reply;
        const value = body.value as Record<string, unknown>;
        const force = flag(req.query, "force");
        // A body of only {"version": ts} rolls the app back to that stored version.
        if (
          current !== undefined &&
          typeof value === "object" &&
          value !== null &&
          Object.keys(value).length === 1 &&
          typeof value.version === "string"
        ) {
          const old = this.state.version(id, value.version);
          if (old === undefined)
            return message(404, `App '${id}' does not exist in version ${value.version}`);
          const result = this.state.deploy({ rollbackTo: [old] }, force, this.now());
          if (!result.ok) return errorReply(result.error);
          this.flush();
          return deployed(result.value);
        }
        const partial = req.method === "PATCH" || flag(req.query, "partialUpdate", true);
        const input =
          current !== undefined &&
          partial &&
          typeof value === "object" &&
          value !== null &&
          !Array.isArray(value)
            ? mergePartialUpdate(current.app, value)
            : { ...(value as object), id };
        const parsed = parseAppDefinition(input, this.parseOptions());
        if (!parsed.ok) return invalid(parsed.failure);
        const app = { ...parsed.app, id };
        const result = this.state.deploy({ upsert: [app] }, force, this.now());
        if (!result.ok) return errorReply(result.error);
        this.apiPostEvent(req, app);
        this.flush();
        return deployed(result.value, current === undefined ? 201 : 200);
      }
      default:
        return message(405, "Method not allowed");
    }
  }

  // ---- tasks, deployments --------------------------------------------------------------------

  private allTasks(q: URLSearchParams): unknown[] {
    const wanted = [...q.getAll("status"), ...q.getAll("status[]")].map(
      (s) => `TASK_${s.toUpperCase()}`,
    );
    return this.state
      .instances()
      .filter((i) => !isScheduled(i))
      .filter((i) => wanted.length === 0 || wanted.includes(i.state ?? ""))
      .map((i) => taskJson(i, this.state.app(i.appId)));
  }

  private deleteTasks(req: ApiRequest): ApiReply {
    const body = this.body(req);
    if (!body.ok) return body.reply;
    const ids = (body.value as { ids?: unknown })?.ids;
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== "string")) {
      return json(400, {
        message: "Invalid JSON",
        details: [{ path: "/ids", errors: ["error.expected.jsarray"] }],
      });
    }
    for (const taskId of ids as string[])
      if (parseTaskId(taskId) === undefined) return message(400, `Invalid task id '${taskId}'`);
    return this.kill(ids as string[], req, false);
  }

  private kill(taskIds: string[], req: ApiRequest, single: boolean): ApiReply {
    const result = this.state.killTasks(taskIds, flag(req.query, "scale"), this.now());
    if (!result.ok) return errorReply(result.error);
    this.flush();
    if (result.value.deployment !== undefined) return deployed(result.value.deployment);
    const tasks = result.value.killed.map((i) => taskJson(i, this.state.app(i.appId)));
    return single ? json(200, { task: tasks[0] }) : json(200, { tasks });
  }

  private cancelDeployment(id: string, req: ApiRequest): ApiReply {
    const force = flag(req.query, "force");
    const result = this.state.cancelDeployment(id, force, this.now());
    if (!result.ok) return errorReply(result.error);
    this.flush();
    if (result.value === undefined) return { kind: "text", status: 202, body: "" };
    return deployed(result.value);
  }
}

export type { ApiAnswer, ApiReply, ApiRequest, ApiRoute, ServiceEvent };
