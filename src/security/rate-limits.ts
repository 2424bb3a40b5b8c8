// Mesos's framework rate limiting (reference §6, docs/framework-rate-limiting.md): `--rate_limits
// '{"limits":[{"principal":"foo","qps":55.5,"capacity":100000}],"aggregate_default_qps":33.3,
// "aggregate_default_capacity":1000000}'`. A principal's calls are let through at most `qps` a
// second; calls beyond that wait their turn, and when `capacity` calls are already waiting the
// next is dropped (Mesos answers FrameworkErrorMessage "Message … dropped: capacity(N)
// exceeded" and the driver aborts). A limit without qps is unlimited; principals not listed
// share the aggregate default, when one is set. Pure: the caller hands in the time.
import { readJsonFlag } from "./credentials.ts";

export interface RateLimit {
  /** Undefined: unlimited. */
  readonly qps: number | undefined;
  /** Calls allowed to wait at once; undefined: no bound (Mesos's default). */
  readonly capacity: number | undefined;
}

export interface RateLimits {
  readonly limits: ReadonlyMap<string, RateLimit>;
  readonly aggregateDefault: RateLimit | undefined;
}

export type RateLimitsResult = { ok: true; value: RateLimits } | { ok: false; message: string };

function positive(value: unknown, where: string): number | undefined | string {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    return `${where} must be a positive number`;
  }
  return value;
}

export function parseRateLimits(text: string): RateLimitsResult {
  const json = readJsonFlag(text, "rate_limits");
  if (!json.ok) return json;
  const root = json.value as Record<string, unknown> | null;
  if (typeof root !== "object" || root === null || Array.isArray(root)) {
    return { ok: false, message: "rate_limits must be a JSON object" };
  }
  const limits = new Map<string, RateLimit>();
  const list = root.limits ?? [];
  if (!Array.isArray(list)) return { ok: false, message: "rate_limits.limits is not a list" };
  for (const [i, item] of list.entries()) {
    const where = `rate_limits.limits[${i}]`;
    const entry = item as Record<string, unknown> | null;
    if (typeof entry !== "object" || entry === null || typeof entry.principal !== "string") {
      return { ok: false, message: `${where} has no principal` };
    }
    const qps = positive(entry.qps, `${where}.qps`);
    const capacity = positive(entry.capacity, `${where}.capacity`);
    if (typeof qps === "string") return { ok: false, message: qps };
    if (typeof capacity === "string") return { ok: false, message: capacity };
    if (limits.has(entry.principal)) {
      return { ok: false, message: `${where}: principal '${entry.principal}' is limited twice` };
    }
    limits.set(entry.principal, { qps, capacity });
  }
  const qps = positive(root.aggregate_default_qps, "rate_limits.aggregate_default_qps");
  const capacity = positive(
    root.aggregate_default_capacity,
    "rate_limits.aggregate_default_capacity",
  );
  if (typeof qps === "string") return { ok: false, message: qps };
  if (typeof capacity === "string") return { ok: false, message: capacity };
  const aggregateDefault = qps === undefined ? undefined : { qps, capacity };
  return { ok: true, value: { limits, aggregateDefault } };
}

/** What to do with one call: go now, wait `delayMs` (then `done()`), or drop it. */
export type Admission =
  | { readonly kind: "now" }
  | { readonly kind: "wait"; readonly delayMs: number }
  | { readonly kind: "dropped"; readonly message: string };

/** One bucket: calls spaced 1/qps apart, at most `capacity` waiting. */
class Throttle {
  #nextAtMs = 0;
  #waiting = 0;

  constructor(readonly limit: RateLimit) {}

  admit(nowMs: number, what: string): Admission {
    const qps = this.limit.qps;
    if (qps === undefined) return { kind: "now" };
    const at = Math.max(nowMs, this.#nextAtMs);
    this.#nextAtMs = at + 1000 / qps;
    if (at <= nowMs) return { kind: "now" };
    const capacity = this.limit.capacity;
    if (capacity !== undefined && this.#waiting >= capacity) {
      this.#nextAtMs -= 1000 / qps;
      return {
        kind: "dropped",
        message: `Message ${what} dropped: capacity(${capacity}) exceeded`,
      };
    }
    this.#waiting++;
    return { kind: "wait", delayMs: at - nowMs };
  }

  done(): void {
    this.#waiting = Math.max(0, this.#waiting - 1);
  }
}

/** The throttles of one master: one per listed principal, one shared by every other. */
export class RateLimiter {
  readonly #byPrincipal = new Map<string, Throttle>();
  readonly #aggregate: Throttle | undefined;

  constructor(limits: RateLimits) {
    for (const [principal, limit] of limits.limits) {
      this.#byPrincipal.set(principal, new Throttle(limit));
    }
    this.#aggregate =
      limits.aggregateDefault === undefined ? undefined : new Throttle(limits.aggregateDefault);
  }

  #throttle(principal: string | undefined): Throttle | undefined {
    return (
      (principal === undefined ? undefined : this.#byPrincipal.get(principal)) ?? this.#aggregate
    );
  }

  admit(principal: string | undefined, nowMs: number, what: string): Admission {
    return this.#throttle(principal)?.admit(nowMs, what) ?? { kind: "now" };
  }

  /** A waiting call of `principal` went through. */
  done(principal: string | undefined): void {
    this.#throttle(principal)?.done();
  }
}
