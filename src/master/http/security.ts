// The master's authentication and authorization, wired from its flags (reference §1, §2): the
// realm of every endpoint, the Basic authenticator of each realm whose flag is on, the local
// authorizer of `--acls`, and the rate limiter of `--rate_limits`. The HTTP server asks
// `authenticate` before anything else (Mesos's order); the APIs ask `authorizer` through the
// checks of security-checks.ts and filter what they show through security-views.ts.
import { textResponse } from "../../http/response.ts";
import type { HttpRequest, RequestIdentity } from "../../http/server.ts";
import type { Acls } from "../../security/acls.ts";
import { ALLOW_ALL, type Authorizer, LocalAuthorizer } from "../../security/authorizer.ts";
import {
  basicAuthenticator,
  type HttpAuthenticator,
  RealmAuthentication,
} from "../../security/http-authentication.ts";
import type { RateLimits } from "../../security/rate-limits.ts";
import { RateLimiter } from "../../security/rate-limits.ts";
import type { TaskAuthorizer } from "../core/types.ts";

export const MASTER_READONLY_REALM = "mesos-master-readonly";
export const MASTER_READWRITE_REALM = "mesos-master-readwrite";
export const MASTER_SCHEDULER_REALM = "mesos-master-scheduler";
/** Tessera's realm of the agent channel under `--authenticate_agents` (Mesos uses SASL there). */
export const MASTER_AGENT_REALM = "mesos-master-agent";

/**
 * Routes no realm covers: libprocess serves these to anybody (reference §1 realm map), and the
 * web UI's page and assets (`""`, `ui`), which hold no cluster data: the page asks for the
 * credential in its own login form and sends it on its API calls.
 */
const OPEN_ROUTES: ReadonlySet<string> = new Set(["health", "redirect", "version", "", "ui"]);

/** Readwrite routes by name or name prefix (reference §1); every other route is readonly. */
const READWRITE_ROUTES: ReadonlySet<string> = new Set([
  "api/v1",
  "teardown",
  "reserve",
  "unreserve",
  "create-volumes",
  "destroy-volumes",
  "weights",
  "quota",
  "maintenance/schedule",
  "machine/down",
  "machine/up",
  "logging/toggle",
]);

/** The realm a master route is in; undefined for the open ones. */
export function masterRealmOf(routeName: string): string | undefined {
  if (OPEN_ROUTES.has(routeName)) return undefined;
  if (routeName === "api/v1/scheduler") return MASTER_SCHEDULER_REALM;
  if (routeName === "api/v1/agent_channel") return MASTER_AGENT_REALM;
  if (READWRITE_ROUTES.has(routeName) || routeName.startsWith("profiler/")) {
    return MASTER_READWRITE_REALM;
  }
  return MASTER_READONLY_REALM;
}

/** The master's security flags, as src/master/security-flags.ts reads them. */
export interface MasterSecurityFlags {
  readonly authenticateFrameworks: boolean;
  readonly authenticateAgents: boolean;
  readonly authenticateHttpReadonly: boolean;
  readonly authenticateHttpReadwrite: boolean;
  readonly authenticateHttpFrameworks: boolean;
  /** `--credentials`: principal → secret; undefined when not given. */
  readonly credentials: ReadonlyMap<string, string> | undefined;
  /** `--acls` under `--authorizers=local`; undefined: no authorizer (everything passes). */
  readonly acls: Acls | undefined;
  readonly rateLimits: RateLimits | undefined;
  /** Flag values as /flags shows them (secrets never: inline JSON is shown as such). */
  readonly shown: Readonly<Record<string, string>>;
}

export interface MasterSecurity {
  readonly authentication: RealmAuthentication;
  readonly authorizer: Authorizer;
  readonly rateLimiter: RateLimiter | undefined;
  /** For HttpServerOptions.authenticate. */
  authenticate(routeName: string, request: HttpRequest): RequestIdentity;
}

/** Mesos's answer to an authenticated caller the ACLs deny. */
export const FORBIDDEN_BODY = "403 Forbidden.";
export const forbidden = () => textResponse(403, FORBIDDEN_BODY);

export function masterSecurity(flags: MasterSecurityFlags): MasterSecurity {
  const basic: HttpAuthenticator[] =
    flags.credentials === undefined ? [] : [basicAuthenticator(flags.credentials)];
  const on = (enabled: boolean) => (enabled ? basic : []);
  const authentication = new RealmAuthentication(
    new Map([
      [MASTER_READONLY_REALM, on(flags.authenticateHttpReadonly)],
      [MASTER_READWRITE_REALM, on(flags.authenticateHttpReadwrite)],
      [MASTER_SCHEDULER_REALM, on(flags.authenticateHttpFrameworks)],
      [MASTER_AGENT_REALM, on(flags.authenticateAgents)],
    ]),
  );
  const authorizer = flags.acls === undefined ? ALLOW_ALL : new LocalAuthorizer(flags.acls);
  return {
    authentication,
    authorizer,
    rateLimiter: flags.rateLimits === undefined ? undefined : new RateLimiter(flags.rateLimits),
    authenticate(routeName, request) {
      const realm = masterRealmOf(routeName);
      if (realm === undefined) return OPEN;
      const outcome = authentication.authenticate(realm, request.headers.authorization);
      if (outcome.kind === "unauthorized") {
        return textResponse(401, "401 Unauthorized.", { "WWW-Authenticate": outcome.challenge });
      }
      const principal = outcome.kind === "open" ? undefined : outcome.principal.value;
      // Mesos's get_endpoints ACL on the endpoints it guards (reference §2), before the handler.
      const endpoint = GUARDED_ENDPOINTS[routeName];
      if (endpoint !== undefined && !authorizer.authorize("get_endpoints", principal, endpoint)) {
        return forbidden();
      }
      return principal === undefined ? OPEN : { principal };
    },
  };
}

/** Routes whose GET Mesos checks with get_endpoints, by route name, with the path it names. */
const GUARDED_ENDPOINTS: Readonly<Record<string, string>> = {
  "metrics/snapshot": "/metrics/snapshot",
  metrics: "/metrics/snapshot",
};

const OPEN: RequestIdentity = { principal: undefined };

/**
 * The core's run_tasks check (reference §2): the framework's principal may run the task as its
 * user, the task's command user, else its executor's, else the framework's. None without ACLs.
 */
export function taskAuthorizer(authorizer: Authorizer): { authorizeTask?: TaskAuthorizer } {
  if (!authorizer.enabled) return {};
  return {
    authorizeTask: (framework, task) =>
      authorizer.authorize(
        "run_tasks",
        framework.principal,
        task.command?.user ?? task.executor?.command?.user ?? framework.user,
      ),
  };
}
