// What one caller may see (reference §2 "Filtering"): the view_* and get_quotas decisions of
// the authorizer for one principal, cached for the length of one answer (or one event stream),
// since a state of thousands of tasks asks about the same few users again and again.
import type { AclAction } from "./acls.ts";
import type { Authorizer } from "./authorizer.ts";

export class Viewer {
  readonly #authorizer: Authorizer;
  readonly #principal: string | undefined;
  readonly #cache = new Map<string, boolean>();

  constructor(authorizer: Authorizer, principal: string | undefined) {
    this.#authorizer = authorizer;
    this.#principal = principal;
  }

  get filters(): boolean {
    return this.#authorizer.enabled;
  }

  #may(
    action: "view_frameworks" | "view_tasks" | "view_executors" | "view_roles" | "get_quotas",
    object: string | undefined,
  ): boolean {
    if (!this.#authorizer.enabled) return true;
    const key = `${action}\u0000${object ?? "\u0001"}`;
    let allowed = this.#cache.get(key);
    if (allowed === undefined) {
      allowed = this.#authorizer.authorize(action, this.#principal, object);
      // Bounded by the users and roles of one answer; a long-lived stream clears it.
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(key, allowed);
    }
    return allowed;
  }

  framework(user: string | undefined): boolean {
    return this.#may("view_frameworks", user);
  }
  task(user: string | undefined): boolean {
    return this.#may("view_tasks", user);
  }
  executor(user: string | undefined): boolean {
    return this.#may("view_executors", user);
  }
  role(role: string): boolean {
    return this.#may("view_roles", role);
  }
  quota(role: string): boolean {
    return this.#may("get_quotas", role);
  }
  /** An action whose object may only be ANY or NONE (maintenance reads, flags). */
  allowed(action: AclAction): boolean {
    return !this.#authorizer.enabled || this.#authorizer.authorize(action, this.#principal);
  }

  flags(): boolean {
    return !this.#authorizer.enabled || this.#authorizer.authorize("view_flags", this.#principal);
  }
}
