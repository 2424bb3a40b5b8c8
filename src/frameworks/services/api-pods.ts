// `/v2/pods` of the services API (Marathon's pod API): create, list, read, replace and delete
// pods; `::status` (the pod and its instances, each container's state), `::versions`, and
// `::instances` (kill instances, which are replaced). Every change is one deployment of the
// app that runs the pod (pods.ts); the answers are Marathon's: the pod JSON with the
// Marathon-Deployment-Id header, 201 + Location on create, 202 on delete.

import { type ApiReply, errorReply, flag, json, message } from "./api-reply.ts";
import type { AppVersion } from "./app-json.ts";
import { parseJsonText } from "./app-validation.ts";
import { type Instance, isScheduled } from "./instance.ts";
import { type AppId, parseAppId } from "./path-id.ts";
import { containerTaskId, isPod, type PodApp, parsePod, podJson } from "./pods.ts";
import type { ServicesState } from "./services-state.ts";
import { taskIdFor } from "./task-info.ts";

export interface PodsContext {
  readonly state: ServicesState;
  now(): number;
  flush(): void;
  readonly defaultRole: string;
  /** Puts pod_created/updated/deleted_event on the bus. */
  podEvent(
    type: "pod_created_event" | "pod_updated_event" | "pod_deleted_event",
    fields: { clientIp: string; uri: string },
  ): void;
}

interface PodRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: string;
  readonly clientIp: string;
}

type PodVersion = AppVersion & { app: PodApp };

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** Marathon's instance status from the Mesos state of its tasks. */
function instanceStatus(i: Instance, hasChecks: boolean): string {
  if (isScheduled(i)) return "PENDING";
  if (i.state === "TASK_STAGING" || i.state === "TASK_STARTING") return "STAGING";
  if (i.state === "TASK_RUNNING") return hasChecks && i.healthy !== true ? "DEGRADED" : "STABLE";
  return "TERMINAL";
}

export class PodsApi {
  constructor(private readonly ctx: PodsContext) {}

  private pod(id: AppId): PodVersion | undefined {
    const v = this.ctx.state.app(id);
    return v !== undefined && isPod(v.app) ? (v as PodVersion) : undefined;
  }

  private pods(): PodVersion[] {
    return this.ctx.state.apps().filter((v): v is PodVersion => isPod(v.app));
  }

  /** One request below `/v2/pods`; `tail` is the path after it. */
  serve(req: PodRequest, tail: string): ApiReply {
    const [rawId = "", sub, arg] = (() => {
      const m = /^(.*?)::(status|versions|instances)(?:\/(.+))?$/.exec(tail);
      return m === null ? [tail] : [m[1], m[2], m[3]];
    })();
    if (rawId === "" && sub === undefined) {
      if (req.method === "GET") return json(200, this.pods().map(podJson));
      if (req.method === "POST") return this.create(req);
      return message(405, "Method not allowed");
    }
    if (rawId === "" && sub === "status" && req.method === "GET")
      return json(
        200,
        this.pods().map((p) => this.statusJson(p)),
      );
    const id = parseAppId(rawId);
    if (!id.ok) return message(404, `Pod '/${rawId}' does not exist`);
    if (sub === undefined) return this.item(req, id.id);
    const pod = this.pod(id.id);
    if (pod === undefined) return message(404, `Pod '${id.id}' does not exist`);
    if (sub === "status" && req.method === "GET") return json(200, this.statusJson(pod));
    if (sub === "versions" && req.method === "GET") {
      if (arg === undefined) return json(200, this.ctx.state.versions(id.id));
      const v = this.ctx.state.version(id.id, arg);
      if (v === undefined || !isPod(v.app))
        return message(404, `Pod '${id.id}' does not exist in version ${arg}`);
      return json(200, podJson(v as PodVersion));
    }
    if (sub === "instances" && req.method === "DELETE") return this.killInstances(req, pod, arg);
    return message(405, "Method not allowed");
  }

  private item(req: PodRequest, id: AppId): ApiReply {
    const current = this.pod(id);
    switch (req.method) {
      case "GET":
        return current === undefined
          ? message(404, `Pod '${id}' does not exist`)
          : json(200, podJson(current));
      case "PUT":
        return this.put(req, id, current);
      case "DELETE": {
        if (current === undefined) return message(404, `Pod '${id}' does not exist`);
        const result = this.ctx.state.deploy(
          { remove: [id] },
          flag(req.query, "force", true),
          this.ctx.now(),
        );
        if (!result.ok) return errorReply(result.error);
        this.ctx.podEvent("pod_deleted_event", { clientIp: req.clientIp, uri: req.path });
        this.ctx.flush();
        return {
          kind: "json",
          status: 202,
          body: { deploymentId: result.value.deploymentId, version: result.value.version },
          headers: { "Marathon-Deployment-Id": result.value.deploymentId },
        };
      }
      default:
        return message(405, "Method not allowed");
    }
  }

  private create(req: PodRequest): ApiReply {
    const parsed = this.parse(req.body);
    if (!parsed.ok) return parsed.reply;
    const id = parsed.app.id as AppId;
    if (this.ctx.state.app(id) !== undefined)
      return message(409, `A pod with id [${id}] already exists.`);
    return this.deploy(req, parsed.app, 201, "pod_created_event");
  }

  private put(req: PodRequest, id: AppId, current: PodVersion | undefined): ApiReply {
    const raw = parseJsonText(req.body);
    if (!raw.ok) return json(raw.failure.status, raw.failure.body);
    const parsed = this.parse(JSON.stringify({ ...(raw.value as object), id }));
    if (!parsed.ok) return parsed.reply;
    if (current === undefined && this.ctx.state.app(id) !== undefined)
      return message(409, `An app with id [${id}] already exists.`);
    const event = current === undefined ? "pod_created_event" : "pod_updated_event";
    return this.deploy(req, parsed.app, current === undefined ? 201 : 200, event);
  }

  private parse(body: string): { ok: true; app: PodApp } | { ok: false; reply: ApiReply } {
    const raw = parseJsonText(body);
    if (!raw.ok) return { ok: false, reply: json(raw.failure.status, raw.failure.body) };
    const parsed = parsePod(raw.value, this.ctx.defaultRole);
    return parsed.ok
      ? parsed
      : { ok: false, reply: json(parsed.failure.status, parsed.failure.body) };
  }

  private deploy(
    req: PodRequest,
    app: PodApp,
    status: number,
    event: "pod_created_event" | "pod_updated_event",
  ): ApiReply {
    const result = this.ctx.state.deploy(
      { upsert: [app] },
      flag(req.query, "force"),
      this.ctx.now(),
    );
    if (!result.ok) return errorReply(result.error);
    this.ctx.podEvent(event, { clientIp: req.clientIp, uri: req.path });
    this.ctx.flush();
    const stored = this.pod(app.id as AppId);
    return json(status, stored === undefined ? {} : podJson(stored), {
      "Marathon-Deployment-Id": result.value.deploymentId,
      ...(status === 201 ? { Location: `/v2/pods${app.id}` } : {}),
    });
  }

  /** DELETE `::instances/{id}` or `::instances` with `{"instanceIds":[...]}`: killed, replaced. */
  private killInstances(req: PodRequest, pod: PodVersion, arg: string | undefined): ApiReply {
    let ids: string[];
    if (arg !== undefined) ids = [arg];
    else {
      const body = parseJsonText(req.body);
      const list = body.ok ? (body.value as { instanceIds?: unknown })?.instanceIds : undefined;
      if (!Array.isArray(list) || list.some((x) => typeof x !== "string"))
        return json(400, {
          message: "Invalid JSON",
          details: [{ path: "/instanceIds", errors: ["error.expected.jsarray"] }],
        });
      ids = list as string[];
    }
    const instances = this.ctx.state.instancesOf(pod.app.id as AppId);
    const victims = ids.map((x) => instances.find((i) => i.instanceId === x));
    if (victims.some((v) => v === undefined || isScheduled(v)))
      return message(
        404,
        `Instance '${ids.find((_, k) => victims[k] === undefined) ?? ids[0]}' does not exist`,
      );
    const live = victims as Instance[];
    const statuses = live.map((i) => this.instanceJson(pod, i));
    const result = this.ctx.state.killTasks(
      live.map((i) => taskIdFor(i.instanceId, i.incarnation)),
      false,
      this.ctx.now(),
    );
    if (!result.ok) return errorReply(result.error);
    this.ctx.flush();
    return json(200, arg === undefined ? statuses : statuses[0]);
  }

  private instanceJson(pod: PodVersion, i: Instance): Record<string, unknown> {
    const hasChecks = pod.app.pod.containers.some((c) => c.healthCheck !== undefined);
    const taskId = taskIdFor(i.instanceId, i.incarnation);
    let port = 0;
    return {
      id: i.instanceId,
      status: instanceStatus(i, hasChecks),
      statusSince: iso(i.startedAtMs ?? i.stagedAtMs ?? i.createdAtMs),
      agentHostname: i.agent?.hostname ?? null,
      agentId: i.agentId ?? null,
      specReference: `/v2/pods${pod.app.id}::versions/${i.version}`,
      containers: isScheduled(i)
        ? []
        : pod.app.pod.containers.map((c) => ({
            name: c.name,
            containerId: containerTaskId(taskId, c.name),
            status: i.state ?? "TASK_STAGING",
            endpoints: c.endpoints.map((e) => ({
              name: e.name,
              allocatedHostPort: i.hostPorts[port++],
            })),
            conditions: [],
            lastUpdated: iso(i.startedAtMs ?? i.stagedAtMs),
          })),
      lastUpdated: iso(i.startedAtMs ?? i.stagedAtMs ?? i.createdAtMs),
      networks: [],
    };
  }

  /** PodStatus: the spec, STABLE/DEGRADED/DEPLOYING, and every instance. */
  private statusJson(pod: PodVersion): Record<string, unknown> {
    const instances = this.ctx.state.instancesOf(pod.app.id as AppId);
    const deploying = this.ctx.state.deploymentsOf(pod.app.id as AppId).length > 0;
    const shown = instances.map((i) => this.instanceJson(pod, i));
    const stable = shown.length === pod.app.instances && shown.every((i) => i.status === "STABLE");
    return {
      id: pod.app.id,
      spec: podJson(pod),
      status: deploying ? "DEPLOYING" : stable ? "STABLE" : "DEGRADED",
      statusSince: pod.version,
      instances: shown,
      terminationHistory: [],
      lastUpdated: new Date(this.ctx.now()).toISOString(),
      lastChanged: pod.version,
    };
  }
}
