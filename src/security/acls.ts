// Mesos's ACL format (reference §2, acls.proto): `{"permissive":true, "<action>":[{"principals":
// E, "<object field>": E}, …]}` where E is `{"values":[…]}`, `{"type":"ANY"}` or
// `{"type":"NONE"}`. Parsed once at start-up into plain data; an unknown action or field, a
// value that is not an entity, and a named principal on the actions whose objects may only be
// ANY/NONE (logs, flags, log level, agents, machines) are refused there, as Mesos does.
import { readJsonFlag } from "./credentials.ts";

export type Entity =
  | { readonly type: "ANY" }
  | { readonly type: "NONE" }
  | { readonly type: "SOME"; readonly values: readonly string[] };

export interface Acl {
  readonly subject: Entity;
  readonly object: Entity;
}

/** Every action of the local authorizer Tessera checks, with its object field (acls.proto). */
export const ACL_ACTIONS = {
  register_frameworks: "roles",
  run_tasks: "users",
  teardown_frameworks: "framework_principals",
  reserve_resources: "roles",
  unreserve_resources: "reserver_principals",
  create_volumes: "roles",
  destroy_volumes: "creator_principals",
  resize_volumes: "roles",
  get_quotas: "roles",
  update_quotas: "roles",
  view_roles: "roles",
  update_weights: "roles",
  get_endpoints: "paths",
  view_frameworks: "users",
  view_tasks: "users",
  view_executors: "users",
  view_flags: "flags",
  access_sandboxes: "users",
  access_mesos_logs: "logs",
  set_log_level: "level",
  register_agents: "agents",
  get_maintenance_schedules: "machines",
  update_maintenance_schedules: "machines",
  start_maintenances: "machines",
  stop_maintenances: "machines",
  get_maintenance_statuses: "machines",
  drain_agents: "agents",
  deactivate_agents: "agents",
  reactivate_agents: "agents",
  mark_agents_gone: "agents",
  kill_standalone_containers: "users",
  kill_nested_containers: "users",
} as const;

export type AclAction = keyof typeof ACL_ACTIONS;

/** Actions whose objects may only be ANY or NONE (Mesos checks this at start-up). */
const ANY_OR_NONE_OBJECTS: ReadonlySet<AclAction> = new Set<AclAction>([
  "view_flags",
  "access_mesos_logs",
  "set_log_level",
  "register_agents",
  "get_maintenance_schedules",
  "update_maintenance_schedules",
  "start_maintenances",
  "stop_maintenances",
  "get_maintenance_statuses",
  "drain_agents",
  "deactivate_agents",
  "reactivate_agents",
  "mark_agents_gone",
]);

export interface Acls {
  readonly permissive: boolean;
  readonly rules: ReadonlyMap<AclAction, readonly Acl[]>;
}

export type AclsResult = { ok: true; acls: Acls } | { ok: false; message: string };

function entity(value: unknown, where: string): Entity | string {
  if (value === undefined) return { type: "ANY" };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `${where} is not {"values":[…]} or {"type":"ANY"|"NONE"}`;
  }
  const { type, values } = value as { type?: unknown; values?: unknown };
  if (values !== undefined) {
    if (!Array.isArray(values) || values.some((v) => typeof v !== "string")) {
      return `${where}.values is not a list of strings`;
    }
    return { type: "SOME", values: values as string[] };
  }
  if (type === "ANY" || type === "NONE") return { type };
  // Mesos's protobuf default for an entity with neither is SOME with no values: matches nothing.
  if (type === undefined || type === "SOME") return { type: "SOME", values: [] };
  return `${where}.type '${String(type)}' is not ANY, NONE or SOME`;
}

/** Parses `--acls` (JSON or a file holding it). */
export function parseAcls(text: string): AclsResult {
  const json = readJsonFlag(text, "acls");
  if (!json.ok) return json;
  const root = json.value;
  if (typeof root !== "object" || root === null || Array.isArray(root)) {
    return { ok: false, message: "acls must be a JSON object" };
  }
  let permissive = true;
  const rules = new Map<AclAction, Acl[]>();
  for (const [key, value] of Object.entries(root as Record<string, unknown>)) {
    if (key === "permissive") {
      if (typeof value !== "boolean") return { ok: false, message: "permissive must be a boolean" };
      permissive = value;
      continue;
    }
    if (!Object.hasOwn(ACL_ACTIONS, key)) {
      return { ok: false, message: `acls: unknown action '${key}'` };
    }
    const action = key as AclAction;
    if (!Array.isArray(value)) return { ok: false, message: `acls.${key} is not a list` };
    const field = ACL_ACTIONS[action];
    const list: Acl[] = [];
    for (const [i, item] of value.entries()) {
      const where = `acls.${key}[${i}]`;
      if (typeof item !== "object" || item === null || Array.isArray(item)) {
        return { ok: false, message: `${where} is not an object` };
      }
      const fields = item as Record<string, unknown>;
      for (const name of Object.keys(fields)) {
        if (name !== "principals" && name !== field) {
          return {
            ok: false,
            message: `${where}: unknown field '${name}' (expected principals, ${field})`,
          };
        }
      }
      const subject = entity(fields.principals, `${where}.principals`);
      if (typeof subject === "string") return { ok: false, message: subject };
      const object = entity(fields[field], `${where}.${field}`);
      if (typeof object === "string") return { ok: false, message: object };
      if (ANY_OR_NONE_OBJECTS.has(action) && object.type === "SOME") {
        return {
          ok: false,
          message: `${where}.${field} may only be {"type":"ANY"} or {"type":"NONE"}`,
        };
      }
      list.push({ subject, object });
    }
    rules.set(action, list);
  }
  return { ok: true, acls: { permissive, rules } };
}
