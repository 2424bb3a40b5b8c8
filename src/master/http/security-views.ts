// What a caller may see of the master (reference §2 "Filtering", readonly_handler.cpp): a
// framework the caller may not view (view_frameworks on its user) is dropped with its tasks and
// executors; tasks (view_tasks on the task's user, else its framework's) and executors
// (view_executors, likewise) are filtered one by one; roles by view_roles, quotas by
// get_quotas. /state, /frameworks, /tasks, GET_STATE, GET_TASKS, GET_FRAMEWORKS, GET_EXECUTORS
// and the operator event stream all go through one Viewer. Without an authorizer nothing is
// filtered and nothing is copied.
import { Viewer } from "../../security/viewer.ts";
import type { MasterSnapshot } from "../core/operator.ts";
import type { FrameworkRecord, TaskRecord } from "../core/state.ts";
import type { OperatorEvent } from "../core/types.ts";

export { Viewer };

const taskUser = (t: TaskRecord, f: FrameworkRecord) => t.info.command?.user ?? f.info.user;

function viewFramework(f: FrameworkRecord, v: Viewer): FrameworkRecord {
  const tasks = (list: Iterable<[string, TaskRecord]>) =>
    new Map([...list].filter(([, t]) => v.task(taskUser(t, f))));
  const executors = new Map(
    [...f.executors].map(([agentId, byId]) => [
      agentId,
      new Map([...byId].filter(([, e]) => v.executor(e.info.command?.user ?? f.info.user))),
    ]),
  );
  return {
    ...f,
    tasks: tasks(f.tasks),
    unreachableTasks: tasks(f.unreachableTasks),
    completedTasks: f.completedTasks.filter((t) => v.task(taskUser(t, f))),
    executors,
  };
}

/** The snapshot as `v` may see it (the legacy endpoints render from it). */
export function viewSnapshot(s: MasterSnapshot, v: Viewer): MasterSnapshot {
  if (!v.filters) return s;
  const frameworks = s.frameworks
    .filter((f) => v.framework(f.info.user))
    .map((f) => viewFramework(f, v));
  const completedFrameworks = s.completedFrameworks
    .filter((f) => v.framework(f.info.user))
    .map((f) => viewFramework(f, v));
  const all = [...frameworks, ...completedFrameworks];
  const visible = new Set(frameworks.map((f) => f.id));
  return {
    ...s,
    frameworks,
    completedFrameworks,
    offers: s.offers.filter((o) => visible.has(o.frameworkId)),
    tasks: frameworks.flatMap((f) => [...f.tasks.values()]),
    unreachableTasks: frameworks.flatMap((f) => [...f.unreachableTasks.values()]),
    completedTasks: all.flatMap((f) => f.completedTasks),
    weights: new Map([...s.weights].filter(([role]) => v.role(role))),
    quotas: new Map([...s.quotas].filter(([role]) => v.quota(role))),
  };
}

// The v1 answers are wire values (z.input of src/wire/operator-master.ts); they are read here
// through the few fields filtering needs.
interface WireFramework {
  framework_info?: { id?: { value?: string }; user?: string };
}
interface WireTask {
  framework_id?: { value?: string };
  user?: string;
}
interface WireExecutor {
  executor_info?: { framework_id?: { value?: string }; command?: { user?: string } };
}
type Rec = Record<string, unknown>;

/** Frameworks' users by id, from the frameworks a view holds. */
function usersOf(frameworks: readonly WireFramework[]): Map<string, string | undefined> {
  return new Map(
    frameworks.map((f) => [f.framework_info?.id?.value ?? "", f.framework_info?.user]),
  );
}

function filterFrameworks(body: Rec | undefined, v: Viewer): Rec | undefined {
  if (body === undefined) return undefined;
  const keep = (list: unknown) =>
    ((list as WireFramework[] | undefined) ?? []).filter((f) =>
      v.framework(f.framework_info?.user),
    );
  return {
    ...body,
    frameworks: keep(body.frameworks),
    completed_frameworks: keep(body.completed_frameworks),
  };
}

/** Tasks of visible frameworks (`users`) the viewer may see. */
function filterTasks(body: Rec | undefined, users: Map<string, string | undefined>, v: Viewer) {
  if (body === undefined) return undefined;
  const out: Rec = { ...body };
  for (const key of [
    "tasks",
    "pending_tasks",
    "unreachable_tasks",
    "completed_tasks",
    "orphan_tasks",
  ]) {
    const list = body[key] as WireTask[] | undefined;
    if (list === undefined) continue;
    out[key] = list.filter((t) => {
      const id = t.framework_id?.value ?? "";
      if (!users.has(id)) return false;
      return v.task(t.user ?? users.get(id));
    });
  }
  return out;
}

function filterExecutors(body: Rec | undefined, users: Map<string, string | undefined>, v: Viewer) {
  if (body === undefined) return undefined;
  const list = (body.executors as WireExecutor[] | undefined) ?? [];
  return {
    ...body,
    executors: list.filter((e) => {
      const id = e.executor_info?.framework_id?.value ?? "";
      if (!users.has(id)) return false;
      return v.executor(e.executor_info?.command?.user ?? users.get(id));
    }),
  };
}

/** GET_STATE's payload as `v` may see it. */
export function viewState(state: Rec, v: Viewer): Rec {
  if (!v.filters) return state;
  const frameworks = filterFrameworks(state.get_frameworks as Rec | undefined, v);
  const users = visibleUsers((state.get_frameworks as Rec | undefined) ?? {}, v);
  return {
    ...state,
    get_frameworks: frameworks,
    get_tasks: filterTasks(state.get_tasks as Rec | undefined, users, v),
    get_executors: filterExecutors(state.get_executors as Rec | undefined, users, v),
  };
}

/** Users of the frameworks `v` may see, from a GET_FRAMEWORKS payload. */
function visibleUsers(frameworks: Rec, v: Viewer): Map<string, string | undefined> {
  const visible = filterFrameworks(frameworks, v) ?? {};
  return usersOf([
    ...((visible.frameworks as WireFramework[]) ?? []),
    ...((visible.completed_frameworks as WireFramework[]) ?? []),
  ]);
}

/**
 * A v1 operator answer as `v` may see it (other answers pass unchanged); `frameworks` gives
 * the GET_FRAMEWORKS payload for the answers that carry tasks or executors without them.
 */
export function viewMasterResponse<T extends { type?: string | undefined }>(
  body: T,
  v: Viewer,
  frameworks: () => Rec,
): T {
  if (!v.filters) return body;
  const b = body as unknown as Rec;
  const role = (list: unknown, key: string, may: (role: string) => boolean) =>
    ((list as Rec[] | undefined) ?? []).filter((r) => may(String(r[key] ?? "")));
  switch (body.type) {
    case "GET_STATE":
      return { ...body, get_state: viewState(b.get_state as Rec, v) };
    case "GET_FRAMEWORKS":
      return { ...body, get_frameworks: filterFrameworks(b.get_frameworks as Rec, v) };
    case "GET_TASKS":
      return {
        ...body,
        get_tasks: filterTasks(b.get_tasks as Rec, visibleUsers(frameworks(), v), v),
      };
    case "GET_EXECUTORS":
      return {
        ...body,
        get_executors: filterExecutors(b.get_executors as Rec, visibleUsers(frameworks(), v), v),
      };
    case "GET_ROLES": {
      const roles = b.get_roles as Rec;
      return {
        ...body,
        get_roles: { ...roles, roles: role(roles.roles, "name", (r) => v.role(r)) },
      };
    }
    case "GET_WEIGHTS": {
      const weights = b.get_weights as Rec;
      return {
        ...body,
        get_weights: {
          ...weights,
          weight_infos: role(weights.weight_infos, "role", (r) => v.role(r)),
        },
      };
    }
    case "GET_QUOTA": {
      const quota = b.get_quota as { status?: Rec };
      const status = quota.status ?? {};
      return {
        ...body,
        get_quota: {
          ...quota,
          status: { ...status, configs: role(status.configs, "role", (r) => v.quota(r)) },
        },
      };
    }
    // Machines' ACLs take only ANY or NONE: a caller sees all of them or none.
    case "GET_MAINTENANCE_SCHEDULE":
      return v.allowed("get_maintenance_schedules")
        ? body
        : { ...body, get_maintenance_schedule: { schedule: { windows: [] } } };
    case "GET_MAINTENANCE_STATUS":
      return v.allowed("get_maintenance_statuses")
        ? body
        : {
            ...body,
            get_maintenance_status: { status: { draining_machines: [], down_machines: [] } },
          };
    default:
      return body;
  }
}

/**
 * One operator stream's filter: SUBSCRIBED as viewState, then each event as the subscriber may
 * see it (undefined: not sent). Frameworks' and tasks' users are learnt from the events
 * themselves, so no event needs a lookup in the master.
 */
export class OperatorEventView {
  readonly #v: Viewer;
  /** Users of frameworks this subscriber may see, by id (bounded by the master's frameworks). */
  readonly #frameworks = new Map<string, string | undefined>();
  /** Users of tasks it was shown, by framework id and task id. */
  readonly #tasks = new Map<string, string | undefined>();

  constructor(v: Viewer) {
    this.#v = v;
  }

  view(event: OperatorEvent): OperatorEvent | undefined {
    const e = event as unknown as Rec;
    switch (event.type) {
      case "SUBSCRIBED": {
        const subscribed = e.subscribed as Rec;
        const state = viewState(subscribed.get_state as Rec, this.#v);
        const frameworks = state.get_frameworks as Rec | undefined;
        for (const [id, user] of usersOf((frameworks?.frameworks as WireFramework[]) ?? [])) {
          this.#frameworks.set(id, user);
        }
        for (const t of ((state.get_tasks as Rec | undefined)?.tasks as (WireTask & {
          task_id?: { value?: string };
        })[]) ?? []) {
          this.#tasks.set(`${t.framework_id?.value}\u0000${t.task_id?.value}`, t.user);
        }
        return { ...event, subscribed: { ...subscribed, get_state: state } } as OperatorEvent;
      }
      case "FRAMEWORK_ADDED":
      case "FRAMEWORK_UPDATED": {
        const f = ((e.framework_added ?? e.framework_updated) as { framework?: WireFramework })
          .framework;
        const user = f?.framework_info?.user;
        if (!this.#v.framework(user)) return undefined;
        this.#frameworks.set(f?.framework_info?.id?.value ?? "", user);
        return event;
      }
      case "FRAMEWORK_REMOVED": {
        const info = (e.framework_removed as { framework_info?: WireFramework["framework_info"] })
          .framework_info;
        const id = info?.id?.value ?? "";
        const known = this.#frameworks.has(id);
        this.#frameworks.delete(id);
        return known ? event : undefined;
      }
      case "TASK_ADDED": {
        const task = (e.task_added as { task: WireTask & { task_id?: { value?: string } } }).task;
        const id = task.framework_id?.value ?? "";
        if (!this.#frameworks.has(id) || !this.#v.task(task.user ?? this.#frameworks.get(id)))
          return undefined;
        if (this.#tasks.size > 1_000_000) this.#tasks.clear();
        this.#tasks.set(`${id}\u0000${task.task_id?.value}`, task.user);
        return event;
      }
      case "TASK_UPDATED": {
        const updated = e.task_updated as {
          framework_id?: { value?: string };
          status?: { task_id?: { value?: string } };
        };
        const key = `${updated.framework_id?.value}\u0000${updated.status?.task_id?.value}`;
        return this.#tasks.has(key) ? event : undefined;
      }
      default:
        return event;
    }
  }
}
