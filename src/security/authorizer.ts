// Mesos's local authorizer (reference §2, authorizer/local/authorizer.cpp), pure: the rules of
// one action are scanned in order and the first whose subject and object both match the request
// decides; a matching NONE denies; when none matches, `permissive` decides.
//
// The request's subject is the principal, or ANY for an unauthenticated caller; an ANY request
// matches only ACLs whose entity is ANY or NONE, so unauthenticated callers skip the ACLs that
// name principals. An ACL of ANY or NONE matches any specific request; a list of values matches
// when it holds the request's value. Role objects also match Mesos's `a/%` (every role nested
// under `a`). The object of a request is one value, or ANY where the request names none.
//
// `Authorizer` is the one port every check goes through: `authorize(action, principal, object)`.
// With no `--authorizers=local`, `ALLOW_ALL` passes everything, as Mesos without an authorizer.
import { ACL_ACTIONS, type Acl, type AclAction, type Acls, type Entity } from "./acls.ts";

export interface Authorizer {
  /** Whether this is a real authorizer (filtering and checks can be skipped when not). */
  readonly enabled: boolean;
  /** `object` undefined: the request names no object (Mesos's ANY object). */
  authorize(action: AclAction, principal: string | undefined, object?: string): boolean;
}

export const ALLOW_ALL: Authorizer = { enabled: false, authorize: () => true };

function valueMatches(acl: string, value: string, roles: boolean): boolean {
  if (acl === value) return true;
  // `a/%` approves every role nested under a (not a itself), as Mesos's role ACLs do.
  return roles && acl.endsWith("/%") && value.startsWith(acl.slice(0, -1));
}

function matches(request: string | undefined, acl: Entity, roles: boolean): boolean {
  if (acl.type !== "SOME") return true;
  if (request === undefined) return false;
  return acl.values.some((v) => valueMatches(v, request, roles));
}

function allows(acl: Entity): boolean {
  return acl.type !== "NONE";
}

export function evaluate(
  rules: readonly Acl[],
  permissive: boolean,
  principal: string | undefined,
  object: string | undefined,
  roles: boolean,
): boolean {
  for (const rule of rules) {
    if (matches(principal, rule.subject, false) && matches(object, rule.object, roles)) {
      return allows(rule.subject) && allows(rule.object);
    }
  }
  return permissive;
}

export class LocalAuthorizer implements Authorizer {
  readonly enabled = true;
  readonly #acls: Acls;

  constructor(acls: Acls) {
    this.#acls = acls;
  }

  authorize(action: AclAction, principal: string | undefined, object?: string): boolean {
    const rules = this.#acls.rules.get(action) ?? [];
    return evaluate(
      rules,
      this.#acls.permissive,
      principal,
      object,
      ACL_ACTIONS[action] === "roles",
    );
  }
}

/** Every one of `objects` approved (a multi-role framework needs every role approved). */
export function authorizeAll(
  authorizer: Authorizer,
  action: AclAction,
  principal: string | undefined,
  objects: readonly string[],
): boolean {
  if (!authorizer.enabled) return true;
  if (objects.length === 0) return authorizer.authorize(action, principal);
  return objects.every((o) => authorizer.authorize(action, principal, o));
}
