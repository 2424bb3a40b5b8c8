// The route table of HttpServer: exact paths, and prefix routes that also serve every path
// below them (`/v2/apps` serves `/v2/apps/prod/web/restart`: Marathon's app ids contain
// slashes, so no fixed number of segments names an app).
//
// An exact path is one map lookup, as every master and agent request is; prefix routes are
// tried only when that misses, most specific (longest) first.
import { assert } from "../base/assert.ts";

export interface FoundRoute<R> {
  readonly route: R;
  /** What follows `<path>/` for a prefix route; "" for an exact match. */
  readonly tail: string;
}

export class RouteTable<R> {
  readonly #exact = new Map<string, R>();
  /** Prefix routes, longest path first. */
  #prefixes: { readonly path: string; readonly route: R }[] = [];

  /** Adds `path` (`/name`); with `subpaths`, every `path/...` is served by `route` too. */
  add(path: string, route: R, subpaths = false): void {
    assert(path.startsWith("/"), `RouteTable: path '${path}' does not start with /`);
    assert(!this.#exact.has(path), `RouteTable: route '${path}' registered twice`);
    this.#exact.set(path, route);
    if (subpaths) {
      this.#prefixes = [...this.#prefixes, { path, route }].sort(
        (a, b) => b.path.length - a.path.length,
      );
    }
  }

  find(path: string): FoundRoute<R> | undefined {
    const exact = this.#exact.get(path);
    if (exact !== undefined) return { route: exact, tail: "" };
    for (const prefix of this.#prefixes) {
      if (path.length > prefix.path.length && path.startsWith(`${prefix.path}/`)) {
        return { route: prefix.route, tail: path.slice(prefix.path.length + 1) };
      }
    }
    return undefined;
  }
}
