// The agent's authentication and authorization (reference §1, §2): realms
// `mesos-agent-readonly|readwrite|executor`, Basic over `--http_credentials`, executors' HS256
// JWTs signed with `--jwt_secret_key` (claims fid/eid/cid, handed to each executor in
// MESOS_EXECUTOR_AUTHENTICATION_TOKEN), and the local authorizer of the agent's `--acls`.
import { textResponse } from "../../http/response.ts";
import type { HttpRequest, RequestIdentity } from "../../http/server.ts";
import type { Acls } from "../../security/acls.ts";
import { ALLOW_ALL, type Authorizer, LocalAuthorizer } from "../../security/authorizer.ts";
import {
  basicAuthenticator,
  type HttpAuthenticator,
  jwtAuthenticator,
  RealmAuthentication,
} from "../../security/http-authentication.ts";
import { signJwt } from "../../security/jwt.ts";

export const AGENT_READONLY_REALM = "mesos-agent-readonly";
export const AGENT_READWRITE_REALM = "mesos-agent-readwrite";
export const AGENT_EXECUTOR_REALM = "mesos-agent-executor";

/** The agent's security flags, as src/agent/security-flags.ts reads them. */
export interface AgentSecurityFlags {
  readonly authenticateHttpReadonly: boolean;
  readonly authenticateHttpReadwrite: boolean;
  readonly authenticateHttpExecutors: boolean;
  /** `--http_credentials`: who may call the agent's endpoints. */
  readonly httpCredentials: ReadonlyMap<string, string> | undefined;
  /** `--credential`: the agent's own, sent to the master on the agent channel. */
  readonly credential: { readonly principal: string; readonly secret: string } | undefined;
  /** `--jwt_secret_key`'s key (the file's content). */
  readonly jwtSecretKey: string | undefined;
  readonly acls: Acls | undefined;
  readonly shown: Readonly<Record<string, string>>;
}

const OPEN_ROUTES: ReadonlySet<string> = new Set(["health", "version"]);

/** The realm of an agent route (reference §1 realm map); undefined for the open ones. */
export function agentRealmOf(routeName: string): string | undefined {
  if (OPEN_ROUTES.has(routeName)) return undefined;
  if (routeName === "api/v1/executor") return AGENT_EXECUTOR_REALM;
  if (routeName === "api/v1" || routeName === "logging/toggle") return AGENT_READWRITE_REALM;
  return AGENT_READONLY_REALM;
}

export interface AgentSecurity {
  readonly authorizer: Authorizer;
  authenticate(routeName: string, request: HttpRequest): RequestIdentity;
}

export function agentSecurity(flags: AgentSecurityFlags): AgentSecurity {
  const basic: HttpAuthenticator[] =
    flags.httpCredentials === undefined ? [] : [basicAuthenticator(flags.httpCredentials)];
  const jwt: HttpAuthenticator[] =
    flags.authenticateHttpExecutors && flags.jwtSecretKey !== undefined
      ? [jwtAuthenticator(flags.jwtSecretKey)]
      : [];
  // With executor authentication the operator realms take executors' tokens too (Mesos's
  // agent --http_authenticators becomes basic,jwt), so that executors can use the agent API.
  const operator = [...basic, ...jwt];
  const authentication = new RealmAuthentication(
    new Map([
      [AGENT_READONLY_REALM, flags.authenticateHttpReadonly ? operator : []],
      [AGENT_READWRITE_REALM, flags.authenticateHttpReadwrite ? operator : []],
      [AGENT_EXECUTOR_REALM, jwt],
    ]),
  );
  return {
    authorizer: flags.acls === undefined ? ALLOW_ALL : new LocalAuthorizer(flags.acls),
    authenticate(routeName, request) {
      const realm = agentRealmOf(routeName);
      if (realm === undefined) return { principal: undefined };
      const outcome = authentication.authenticate(realm, request.headers.authorization);
      if (outcome.kind === "open") return { principal: undefined };
      if (outcome.kind === "unauthorized") {
        return textResponse(401, "401 Unauthorized.", { "WWW-Authenticate": outcome.challenge });
      }
      const { value, claims } = outcome.principal;
      return claims === undefined ? { principal: value } : { principal: value, claims };
    },
  };
}

/** The token an executor authenticates with: claims fid, eid, cid (Mesos's). */
export function executorToken(
  secretKey: string,
  launch: { frameworkId: string; executorId: string; containerId: string },
): string {
  return signJwt(
    { fid: launch.frameworkId, eid: launch.executorId, cid: launch.containerId },
    secretKey,
  );
}

/**
 * The executor API's claim check: a request that authenticated with a token may only act as
 * the executor the token was made for, in its current container (403 otherwise). Requests
 * without claims pass: the realm decides whether they get here at all.
 */
export function executorClaimsRefusal(
  request: HttpRequest,
  call: { framework_id: { value: string }; executor_id: { value: string } },
  containerOf: (frameworkId: string, executorId: string) => string | undefined,
) {
  const claims = request.claims;
  if (claims === undefined) return undefined;
  const fid = call.framework_id.value;
  const eid = call.executor_id.value;
  if (claims.fid === fid && claims.eid === eid && claims.cid === containerOf(fid, eid)) {
    return undefined;
  }
  return textResponse(
    403,
    `The executor's authentication token is not for executor '${eid}' of framework '${fid}'`,
  );
}
