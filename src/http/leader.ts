// Leader and recovery checks for master endpoints that only the leading master serves
// (reference §1.1 steps 2-3, §4.1, §4.5). Mesos makes them before anything else, the method
// check included, so they run as a route guard.
import { fail, type HttpFailure, type HttpResult } from "./response.ts";
import type { HttpRequest, RouteGuard } from "./server.ts";

/** What this master knows about leadership, as the election module reports it. */
export type LeadershipView =
  | { readonly kind: "leading"; readonly recovered: boolean }
  | {
      readonly kind: "following";
      readonly leader: { readonly hostname: string; readonly port: number };
    }
  | { readonly kind: "no_leader" };

/**
 * Not leading -> `307` to `//<leader-host>:<port><original path and query>` (protocol-relative,
 * as Mesos writes it); no leader known -> `503 "No leader elected"`; leading but the registry
 * not yet recovered -> `503 "Master has not finished recovery"`.
 */
export function checkLeader(view: LeadershipView, request: HttpRequest): HttpResult<void> {
  switch (view.kind) {
    case "leading":
      if (!view.recovered) return fail("RECOVERING", "Master has not finished recovery");
      return { ok: true, value: undefined };
    case "following": {
      const location = `//${hostForUrl(view.leader.hostname)}:${view.leader.port}${request.url}`;
      return fail("NOT_LEADER", "", { Location: location });
    }
    case "no_leader":
      return fail("NO_LEADER", "No leader elected");
  }
}

/** A route guard reading the current view on every request. */
export function leaderGuard(currentView: () => LeadershipView): RouteGuard {
  return (request): HttpFailure | undefined => {
    const result = checkLeader(currentView(), request);
    return result.ok ? undefined : result.failure;
  };
}

// An IPv6 literal needs brackets inside a URL authority.
function hostForUrl(hostname: string): string {
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
}
