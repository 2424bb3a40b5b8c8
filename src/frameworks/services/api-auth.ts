// Marathon's HTTP authentication (reference §1 "Marathon"): `--http_credentials user:pass`
// (also MESOSPHERE_HTTP_CREDENTIALS) puts Basic authentication on every route of the API; a
// request without those credentials is answered 401 with `WWW-Authenticate: Basic
// realm="<--http_realm>"` (default `Mesosphere`). The user may not contain ':'.
import { jsonResponse } from "../../http/response.ts";
import type { HttpRequest, RequestIdentity } from "../../http/server.ts";

export const DEFAULT_HTTP_REALM = "Mesosphere";

export interface HttpCredentials {
  readonly user: string;
  readonly password: string;
}

/** `user:pass` as Marathon reads it: split at the first ':'; undefined when malformed. */
export function parseHttpCredentials(text: string): HttpCredentials | undefined {
  const at = text.indexOf(":");
  if (at <= 0) return undefined;
  return { user: text.slice(0, at), password: text.slice(at + 1) };
}

/** The HttpServer `authenticate` hook of the services API. */
export function servicesAuthentication(
  credentials: HttpCredentials,
  realm: string = DEFAULT_HTTP_REALM,
): (route: string, request: HttpRequest) => RequestIdentity {
  // Marathon's passwords may hold ':' (only the user may not): split at the first one.
  const check = (header: string | string[] | undefined) => {
    const text = Array.isArray(header) ? header[0] : header;
    if (text === undefined || !text.startsWith("Basic ") || text.length > 16 * 1024) return false;
    const decoded = Buffer.from(text.slice("Basic ".length).trim(), "base64").toString("utf8");
    const at = decoded.indexOf(":");
    return (
      at > 0 &&
      decoded.slice(0, at) === credentials.user &&
      decoded.slice(at + 1) === credentials.password
    );
  };
  return (_route, request) => {
    if (check(request.headers.authorization)) return { principal: credentials.user };
    return jsonResponse(401, JSON.stringify({ message: "Unauthorized" }), {
      "WWW-Authenticate": `Basic realm="${realm}"`,
    });
  };
}
