// The master's legacy (v0) JSON endpoints (reference §4.5): /master/state (and /state),
// /master/state-summary, /master/frameworks, /master/slaves, /master/tasks (paged),
// /master/roles, /master/flags and /master/redirect; state, tasks and roles also under
// their deprecated `.json` names. All GET, leader-only (307/503 otherwise),
// and `?jsonp=<callback>` wraps the answer as Mesos does.
import { versionInfo } from "../../http/endpoints.ts";
import { jsonOrJsonp } from "../../http/jsonp.ts";
import { leaderGuard } from "../../http/leader.ts";
import { type Reply, response, textResponse } from "../../http/response.ts";
import type { HttpRequest, HttpServer } from "../../http/server.ts";
import { Resources } from "../../resources/index.ts";
import { resourcesToWire } from "../../resources/wire-format.ts";
import type { MasterInfo } from "../../wire/framework.ts";
import { StreamedArray, streamedObject } from "../../wire/json-stream.ts";
import type { MasterSnapshot } from "../core/operator.ts";
import type { AgentRecord, TaskRecord } from "../core/state.ts";
import { type AgentUsage, agentUsage } from "../core/views.ts";
import type { MasterHttpContext } from "./context.ts";
import {
  type Json,
  legacyAgent,
  legacyFramework,
  legacyTask,
  reservedByRole,
  resourcesObject,
  stateCounts,
  type TaskList,
} from "./legacy-render.ts";
import { authorizeOne } from "./security-checks.ts";
import { Viewer, viewSnapshot } from "./security-views.ts";
import { legacyTaskTexts, streamedJsonOrJsonp } from "./state-json.ts";

export interface LegacyContext extends MasterHttpContext {
  readonly masterInfo: MasterInfo;
  readonly flags: Readonly<Record<string, string>>;
  readonly startTimeMs: number;
  readonly electedTimeMs: number;
  readonly cluster: string | undefined;
}

/** `/master/tasks` answers at most this many tasks per page unless `limit` says otherwise. */
export const TASKS_DEFAULT_LIMIT = 100;

function json(request: HttpRequest, body: unknown): Reply {
  // Legacy endpoints are Mesos's own serializers, not protobuf JSON: empty arrays are kept
  // (`"orphan_tasks": []`), which the protobuf printer (stringifyWire) would drop.
  return jsonOrJsonp(request.query, JSON.stringify(body));
}

export function registerLegacyEndpoints(server: HttpServer, ctx: LegacyContext): void {
  const guard = leaderGuard(ctx.view);
  // Each answer shows what its caller may see (security-views.ts); without ACLs, everything.
  const viewer = (request: HttpRequest) => {
    const authorizer = ctx.security?.authorizer;
    return authorizer?.enabled ? new Viewer(authorizer, request.principal) : undefined;
  };
  const snapshot = (request: HttpRequest) => {
    const s = ctx.dispatcher.core.snapshot(ctx.dispatcher.nowMs());
    const v = viewer(request);
    return v === undefined ? s : viewSnapshot(s, v);
  };
  const get = (name: string, handler: (request: HttpRequest) => Reply) =>
    server.route({ name, methods: ["GET"], guard, handler });

  // Each also at its deprecated `.json` name, which Mesos still serves (state.json, …).
  const getBoth = (name: string, handler: (request: HttpRequest) => Reply) => {
    get(name, handler);
    get(`${name}.json`, handler);
  };
  getBoth("state", (request) => {
    const whole = ctx.dispatcher.core.snapshot(ctx.dispatcher.nowMs());
    const v = viewer(request);
    const out = state(ctx, v === undefined ? whole : viewSnapshot(whole, v), whole);
    // Without view_flags, /state drops the flags and what they tell (reference §2).
    if (v?.flags() === false) {
      delete out.flags;
      delete out.cluster;
      delete out.log_dir;
    }
    return streamedJsonOrJsonp(request.query, streamedObject(out));
  });
  get("state-summary", (request) => json(request, stateSummary(ctx, snapshot(request))));
  get("frameworks", (request) => {
    const s = snapshot(request);
    const only = request.query.get("framework_id");
    const pick = (list: MasterSnapshot["frameworks"]) =>
      list.filter((f) => only === null || f.id === only).map((f) => legacyFramework(f, s));
    return json(request, {
      frameworks: pick(s.frameworks),
      completed_frameworks: pick(s.completedFrameworks),
      unregistered_frameworks: [],
    });
  });
  get("slaves", (request) => {
    // Agents are not filtered (Mesos has no ACL on them): their usage counts every framework.
    const s = ctx.dispatcher.core.snapshot(ctx.dispatcher.nowMs());
    const only = request.query.get("slave_id");
    const usage = agentUsage(s.frameworks, s.offers);
    const slaves = s.agents
      .filter((a) => only === null || a.id === only)
      .map((a) => ({
        ...legacyAgent(a, usage.get(a.id), s.activity(a.id)),
        ...fullResources(a, usage.get(a.id)),
      }));
    return json(request, { slaves, recovered_slaves: recoveredAgents(s) });
  });
  getBoth("tasks", (request) => tasks(request, snapshot(request)));
  getBoth("roles", (request) => {
    const v = viewer(request);
    const list = roles(ctx, snapshot(request));
    return json(request, {
      roles: v === undefined ? list : list.filter((r) => v.role(String(r.name))),
    });
  });
  get("flags", (request) => {
    const denied =
      ctx.security && authorizeOne(ctx.security.authorizer, request.principal, "view_flags");
    return denied ?? json(request, { flags: ctx.flags });
  });
  server.route({
    name: "redirect",
    methods: ["GET"],
    // The leader redirects to itself: the bare base URL, to avoid loops (reference §4.5).
    handler: () => {
      const view = ctx.view();
      if (view.kind === "no_leader") return textResponse(503, "No leader elected");
      const leader =
        view.kind === "following"
          ? view.leader
          : { hostname: ctx.masterInfo.hostname ?? "", port: ctx.masterInfo.port };
      return response(307, "", { Location: `//${leader.hostname}:${leader.port}` });
    },
  });
}

/**
 * `/master/slaves` also shows an agent's resources as protobuf JSON in the ENDPOINT format:
 * reserved per role, unreserved, used and offered (`*_full`, reference §4.5).
 */
function fullResources(a: AgentRecord, usage: AgentUsage | undefined): Json {
  const reserved = reservedByRole(a.total, endpoint);
  return {
    reserved_resources_full: reserved,
    unreserved_resources_full: endpoint(a.total.unreserved()),
    used_resources_full: endpoint(usage?.allocated ?? Resources.empty()),
    offered_resources_full: endpoint(usage?.offered ?? Resources.empty()),
  };
}

function endpoint(resources: Resources): Json {
  return resourcesToWire(resources, "ENDPOINT") as unknown as Json;
}

function recoveredAgents(s: MasterSnapshot): Json[] {
  return s.recoveredAgents.map((info) => ({
    id: info.id?.value ?? "",
    hostname: info.hostname,
    port: info.port ?? 5051,
    attributes: {},
  }));
}

/**
 * `s` as the caller may see it; the agents' usage from `whole` (agents are not filtered). Its
 * big lists (agents, each framework's tasks) are printed item by item as the answer is written
 * (state-json.ts): which agents, frameworks and tasks it lists, and the agents' usage, are
 * those of the moment of the request; an item's own fields are read when it is printed.
 */
function state(ctx: LegacyContext, s: MasterSnapshot, whole: MasterSnapshot = s): Json {
  const version = versionInfo();
  const info = ctx.masterInfo;
  const usage = agentUsage(whole.frameworks, whole.offers);
  const slaves = new StreamedArray(whole.agents, (a) =>
    legacyAgent(a, usage.get(a.id), whole.activity(a.id)),
  );
  const active = whole.agents.filter(
    (a) => a.connection === "registered" && !whole.activity(a.id).deactivated,
  ).length;
  const tasks: TaskList = (list) =>
    new StreamedArray(list, legacyTask, (t, print) =>
      legacyTaskTexts.kept(t, undefined, () => print(t)),
    );
  const out: Json = {
    version: version.version,
    build_date: version.build_date,
    build_time: version.build_time,
    build_user: version.build_user,
    start_time: ctx.startTimeMs / 1000,
    elected_time: ctx.electedTimeMs / 1000,
    id: info.id,
    pid: info.pid,
    hostname: info.hostname,
    capabilities: (info.capabilities ?? []).flatMap((c) => (c.type ? [c.type] : [])),
    activated_slaves: active,
    deactivated_slaves: whole.agents.length - active,
    unreachable_slaves: s.unreachableAgents.size,
    leader: info.pid,
    leader_info: { id: info.id, pid: info.pid, port: info.port, hostname: info.hostname },
    flags: ctx.flags,
    slaves,
    recovered_slaves: recoveredAgents(s),
    frameworks: streamedFrameworks(s.frameworks, s, tasks),
    completed_frameworks: streamedFrameworks(s.completedFrameworks, s, tasks),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
  if (ctx.cluster !== undefined) out.cluster = ctx.cluster;
  return out;
}

/** Frameworks rendered now (which tasks each lists), their task lists printed later. */
function streamedFrameworks(
  list: MasterSnapshot["frameworks"],
  s: MasterSnapshot,
  tasks: TaskList,
): StreamedArray<Json> {
  const rendered = list.map((f) => legacyFramework(f, s, tasks));
  return new StreamedArray(rendered, streamedObject);
}

function stateSummary(ctx: LegacyContext, s: MasterSnapshot): Json {
  const byAgent = new Map<string, TaskRecord[]>();
  const byFramework = new Map<string, TaskRecord[]>();
  const group = (map: Map<string, TaskRecord[]>, key: string, t: TaskRecord) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [t]);
    else list.push(t);
  };
  for (const t of [...s.tasks, ...s.unreachableTasks, ...s.completedTasks]) {
    group(byAgent, t.agentId, t);
    group(byFramework, t.frameworkId, t);
  }
  const usage = agentUsage(s.frameworks, s.offers);
  const out: Json = {
    hostname: ctx.masterInfo.hostname,
    slaves: s.agents.map((a) => {
      const mine = byAgent.get(a.id) ?? [];
      return {
        ...legacyAgent(a, usage.get(a.id), s.activity(a.id)),
        ...stateCounts(mine),
        framework_ids: [...new Set(mine.map((t) => t.frameworkId))],
      };
    }),
    frameworks: s.frameworks.map((f) => {
      const {
        tasks: _t,
        unreachable_tasks: _u,
        completed_tasks: _c,
        offers: _o,
        executors: _e,
        ...summary
      } = legacyFramework(f, s, () => []); // the task lists are left out: not rendered
      const mine = byFramework.get(f.id) ?? [];
      return {
        ...summary,
        ...stateCounts(mine),
        slave_ids: [...new Set(mine.map((t) => t.agentId))],
      };
    }),
  };
  if (ctx.cluster !== undefined) out.cluster = ctx.cluster;
  return out;
}

/**
 * `/master/tasks?framework_id=&task_id=&limit=100&offset=0&order=des|asc`: active, unreachable
 * and completed tasks sorted by the timestamp of their first status (none first when ascending).
 */
function tasks(request: HttpRequest, s: MasterSnapshot): Reply {
  const q = request.query;
  const limit = q.has("limit") ? Number(q.get("limit")) : TASKS_DEFAULT_LIMIT;
  const offset = q.has("offset") ? Number(q.get("offset")) : 0;
  const order = q.get("order") ?? "des";
  if (!Number.isInteger(limit) || limit < 0) {
    return textResponse(400, "Failed to parse 'limit': not a non-negative integer");
  }
  if (!Number.isInteger(offset) || offset < 0) {
    return textResponse(400, "Failed to parse 'offset': not a non-negative integer");
  }
  if (order !== "asc" && order !== "des") {
    return textResponse(400, "Failed to parse 'order': expecting 'asc' or 'des'");
  }
  const frameworkId = q.get("framework_id");
  const taskId = q.get("task_id");
  const first = (t: TaskRecord) => Number(t.statuses[0]?.timestamp ?? Number.NEGATIVE_INFINITY);
  const selected = [...s.tasks, ...s.unreachableTasks, ...s.completedTasks]
    .filter((t) => frameworkId === null || t.frameworkId === frameworkId)
    .filter((t) => taskId === null || t.taskId === taskId)
    .sort((a, b) => (order === "asc" ? first(a) - first(b) : first(b) - first(a)) || 0);
  return json(request, { tasks: selected.slice(offset, offset + limit).map(legacyTask) });
}

function roles(ctx: LegacyContext, s: MasterSnapshot): Json[] {
  const names = new Set<string>([...s.weights.keys(), ...s.quotas.keys()]);
  for (const f of s.frameworks) for (const r of f.roles) names.add(r);
  for (const r of (ctx.flags.roles ?? "").split(",")) if (r !== "") names.add(r);
  return [...names].sort().map((name) => {
    const allocatedTasks = s.tasks.filter((t) => t.role === name && !t.released);
    const allocated = resourcesObject(sum(allocatedTasks.map((t) => t.resources)));
    const offeredList = s.offers.filter((o) => o.role === name).map((o) => o.resources);
    const offered = resourcesObject(sum(offeredList));
    const both = resourcesObject(sum([...allocatedTasks.map((t) => t.resources), ...offeredList]));
    const quota = s.quotas.get(name);
    return {
      name,
      weight: s.weights.get(name) ?? 1,
      quota: {
        role: name,
        guarantee: quota?.guarantees ?? {},
        limit: quota?.limits ?? {},
        consumed: allocated,
      },
      resources: both,
      allocated,
      offered,
      reserved: {},
      frameworks: s.frameworks.filter((f) => f.roles.includes(name)).map((f) => f.id),
    };
  });
}

function sum(list: readonly Resources[]): Resources {
  let total = Resources.empty();
  for (const r of list) total = total.add(r);
  return total;
}
