// The agent's authorization (reference §2): which ACL each endpoint and v1 call asks, and what a
// caller may see of the agent's state. The sandbox files (the v0 files API and LIST_FILES /
// READ_FILE) are checked by access_sandboxes on the user of the sandbox's executor (its
// command's user, else its framework's): the task of one framework cannot read another's
// sandbox through the agent (issue 18 finding 8). /state and GET_STATE, GET_FRAMEWORKS,
// GET_EXECUTORS and GET_TASKS are filtered by view_frameworks, view_executors and view_tasks,
// so the environment of another framework's executors is not shown either.
import { posix } from "node:path";
import { textResponse } from "../../http/response.ts";
import type { HttpRequest } from "../../http/server.ts";
import type { AclAction } from "../../security/acls.ts";
import type { Authorizer } from "../../security/authorizer.ts";
import type { Viewer } from "../../security/viewer.ts";
import type { AgentOperatorCall } from "../../wire/operator-agent.ts";
import type { AgentCore } from "../core/agent.ts";

const FORBIDDEN = () => textResponse(403, "403 Forbidden.");

/** Who the sandboxes belong to: the users of frameworks and their executors. */
export interface AgentUsers {
  frameworkUser(frameworkId: string): string | undefined;
  executorUser(frameworkId: string, executorId: string): string | undefined;
  /** The executor running in a container, for KILL_CONTAINER. */
  containerExecutor(containerId: string): { frameworkId: string; executorId: string } | undefined;
}

export function agentUsers(core: AgentCore): AgentUsers {
  const framework = (id: string) => core.frameworks.get(id) ?? core.completedFrameworks.get(id);
  return {
    frameworkUser: (id) => framework(id)?.info.user,
    executorUser: (fid, eid) => {
      const f = framework(fid);
      const e = f?.executors.get(eid) ?? f?.completedExecutors.find((c) => c.id === eid);
      return e?.info.command?.user ?? f?.info.user;
    },
    containerExecutor: (containerId) => {
      for (const f of core.frameworks.values()) {
        for (const e of f.executors.values()) {
          if (e.containerId === containerId) return { frameworkId: f.id, executorId: e.id };
        }
      }
      return undefined;
    },
  };
}

/**
 * The framework and executor whose sandbox a files path names (virtual `/frameworks/<fw>/
 * executors/<ex>/…` or the real path below `<root>`); undefined for any other path, which the
 * files API answers 404 anyway.
 */
export function sandboxOwner(
  path: string,
  root: string | undefined,
): { frameworkId: string; executorId: string } | undefined {
  let rest = posix.normalize(path);
  if (root !== undefined && rest.startsWith(`${posix.normalize(root)}/`)) {
    rest = rest.slice(posix.normalize(root).length);
  }
  const match = /^\/frameworks\/([^/]+)\/executors\/([^/]+)(\/|$)/.exec(rest);
  if (match === null) return undefined;
  return { frameworkId: match[1] ?? "", executorId: match[2] ?? "" };
}

function sandboxRefusal(
  authorizer: Authorizer,
  principal: string | undefined,
  users: AgentUsers,
  path: string | null | undefined,
  root: string | undefined,
) {
  const owner = path ? sandboxOwner(path, root) : undefined;
  if (owner === undefined) return undefined;
  const user = users.executorUser(owner.frameworkId, owner.executorId);
  return authorizer.authorize("access_sandboxes", principal, user) ? undefined : FORBIDDEN();
}

const ENDPOINT_PATHS: Readonly<Record<string, string>> = {
  "monitor/statistics": "/monitor/statistics",
  "monitor/statistics.json": "/monitor/statistics",
  containers: "/containers",
  "containerizer/debug": "/containerizer/debug",
  "metrics/snapshot": "/metrics/snapshot",
  metrics: "/metrics/snapshot",
};

/** The ACL check of an agent endpoint other than /api/v1 (403), run once it authenticated. */
export function agentRouteRefusal(
  authorizer: Authorizer,
  users: AgentUsers,
  sandboxRoot: () => string | undefined,
  routeName: string,
  request: HttpRequest,
) {
  if (!authorizer.enabled) return undefined;
  const principal = request.principal;
  if (routeName === "flags") {
    return authorizer.authorize("view_flags", principal) ? undefined : FORBIDDEN();
  }
  const endpoint = ENDPOINT_PATHS[routeName];
  if (endpoint !== undefined) {
    return authorizer.authorize("get_endpoints", principal, endpoint) ? undefined : FORBIDDEN();
  }
  if (routeName.startsWith("files/")) {
    return sandboxRefusal(authorizer, principal, users, request.query.get("path"), sandboxRoot());
  }
  return undefined;
}

/** The ACL check of an agent v1 operator call (403). */
export function agentCallRefusal(
  authorizer: Authorizer,
  users: AgentUsers,
  sandboxRoot: () => string | undefined,
  principal: string | undefined,
  call: AgentOperatorCall,
) {
  if (!authorizer.enabled) return undefined;
  const may = (action: AclAction, object?: string) =>
    authorizer.authorize(action, principal, object) ? undefined : FORBIDDEN();
  switch (call.type) {
    case "GET_FLAGS":
      return may("view_flags");
    case "SET_LOGGING_LEVEL":
      return may("set_log_level");
    case "GET_METRICS":
      return may("get_endpoints", "/metrics/snapshot");
    case "LIST_FILES":
      return sandboxRefusal(authorizer, principal, users, call.list_files?.path, sandboxRoot());
    case "READ_FILE":
      return sandboxRefusal(authorizer, principal, users, call.read_file?.path, sandboxRoot());
    case "KILL_CONTAINER": {
      const id = call.kill_container?.container_id.value ?? "";
      const owner = users.containerExecutor(id);
      const user = owner && users.executorUser(owner.frameworkId, owner.executorId);
      // Top-level containers are Mesos's "standalone" kind for this ACL (no parent).
      return may("kill_standalone_containers", user);
    }
    default:
      return undefined;
  }
}

type Rec = Record<string, unknown>;
type List = Rec[] | undefined;

/** The agent's /state JSON as `viewer` may see it (frameworks, executors, tasks). */
export function viewAgentState(state: Rec, viewer: Viewer): Rec {
  if (!viewer.filters) return state;
  const tasks = (list: unknown, user: unknown) =>
    ((list as List) ?? []).filter((t) => viewer.task((t.user ?? user) as string | undefined));
  const executors = (list: unknown, user: unknown) =>
    ((list as List) ?? [])
      // Mesos's /state executors carry no user of their own: their framework's decides.
      .filter(() => viewer.executor(user as string | undefined))
      .map((e) => ({
        ...e,
        tasks: tasks(e.tasks, user),
        queued_tasks: tasks(e.queued_tasks, user),
        completed_tasks: tasks(e.completed_tasks, user),
      }));
  const frameworks = (list: unknown) =>
    ((list as List) ?? [])
      .filter((f) => viewer.framework(f.user as string | undefined))
      .map((f) => ({
        ...f,
        executors: executors(f.executors, f.user),
        completed_executors: executors(f.completed_executors, f.user),
      }));
  const out: Rec = {
    ...state,
    frameworks: frameworks(state.frameworks),
    completed_frameworks: frameworks(state.completed_frameworks),
  };
  if (!viewer.flags()) delete out.flags;
  return out;
}

/** A v1 agent answer as `viewer` may see it (GET_STATE and the lists it is made of). */
export function viewAgentResponse<T extends { type?: string | undefined }>(
  body: T,
  viewer: Viewer,
  users: AgentUsers,
): T {
  if (!viewer.filters) return body;
  const frameworkSeen = (id: string | undefined) => viewer.framework(users.frameworkUser(id ?? ""));
  const frameworks = (f: Rec | undefined) => {
    if (f === undefined) return undefined;
    const keep = (list: unknown) =>
      ((list as { framework_info?: { user?: string } }[] | undefined) ?? []).filter((x) =>
        viewer.framework(x.framework_info?.user),
      );
    return {
      ...f,
      frameworks: keep(f.frameworks),
      completed_frameworks: keep(f.completed_frameworks),
    };
  };
  const executors = (e: Rec | undefined) => {
    if (e === undefined) return undefined;
    type E = {
      executor_info?: { framework_id?: { value?: string }; executor_id?: { value?: string } };
    };
    const keep = (list: unknown) =>
      ((list as E[] | undefined) ?? []).filter((x) => {
        const fid = x.executor_info?.framework_id?.value ?? "";
        const eid = x.executor_info?.executor_id?.value ?? "";
        return frameworkSeen(fid) && viewer.executor(users.executorUser(fid, eid));
      });
    return { ...e, executors: keep(e.executors), completed_executors: keep(e.completed_executors) };
  };
  const tasks = (t: Rec | undefined) => {
    if (t === undefined) return undefined;
    type T = { framework_id?: { value?: string }; user?: string };
    const out: Rec = { ...t };
    for (const key of [
      "pending_tasks",
      "queued_tasks",
      "launched_tasks",
      "terminated_tasks",
      "completed_tasks",
    ]) {
      const list = t[key] as T[] | undefined;
      if (list === undefined) continue;
      out[key] = list.filter((x) => {
        const fid = x.framework_id?.value ?? "";
        return frameworkSeen(fid) && viewer.task(x.user ?? users.frameworkUser(fid));
      });
    }
    return out;
  };
  const b = body as unknown as Rec;
  switch (body.type) {
    case "GET_STATE": {
      const s = b.get_state as Rec;
      const state = {
        ...s,
        get_frameworks: frameworks(s.get_frameworks as Rec | undefined),
        get_executors: executors(s.get_executors as Rec | undefined),
        get_tasks: tasks(s.get_tasks as Rec | undefined),
      };
      return { ...body, get_state: state };
    }
    case "GET_FRAMEWORKS":
      return { ...body, get_frameworks: frameworks(b.get_frameworks as Rec) };
    case "GET_EXECUTORS":
      return { ...body, get_executors: executors(b.get_executors as Rec) };
    case "GET_TASKS":
      return { ...body, get_tasks: tasks(b.get_tasks as Rec) };
    default:
      return body;
  }
}
