// Offer filters (Mesos `RefusedOfferFilter`, reference §6.1): when a framework declines an
// offer (or leaves part of an accepted one unused) with `refuse_seconds`, the allocator stops
// offering that agent to that framework in that role while the candidate offer is a subset
// of what was refused, until the filter expires. More resources becoming free on the agent
// therefore re-enable offers.
//
// Filters are indexed both by agent (the allocation loop asks "is (framework, role) filtered
// on this agent?" with one map lookup) and by (framework, role) "subscription" (REVIVE drops
// all filters of a role without scanning agents). Expiry uses a min-heap of deadlines, so
// expiring filters costs O(log n) each and nothing when none are due.
import type { Resources } from "../resources/index.ts";

/** Mesos's default `refuse_seconds` (Filters.refuse_seconds), used for invalid values too. */
export const DEFAULT_REFUSE_SECONDS = 5;
/** Longer filters are capped at one year, as Mesos does. */
export const MAX_REFUSE_SECONDS = 365 * 24 * 60 * 60;

/**
 * How long a filter with `refuseSeconds` lives, in ms; 0 means no filter. Negative or
 * non-numeric values mean the default, and a filter lives at least one allocation interval
 * (Mesos `SmallOfferFilterTimeout`), so a decline is not undone by the very next cycle.
 */
export function filterTimeoutMs(refuseSeconds: number, allocationIntervalMs: number): number {
  let seconds = refuseSeconds;
  if (Number.isNaN(seconds) || seconds < 0) seconds = DEFAULT_REFUSE_SECONDS;
  if (seconds === 0) return 0;
  if (seconds > MAX_REFUSE_SECONDS) seconds = MAX_REFUSE_SECONDS;
  return Math.max(allocationIntervalMs, Math.round(seconds * 1000));
}

export interface OfferFilter {
  readonly refused: Resources;
  readonly expiresAtMs: number;
  /** The next filter of the same subscription on the same agent (a list without arrays). */
  readonly next: OfferFilter | undefined;
}

/** A filter is its own expiry-heap entry (one object per decline, not two). */
interface HeapEntry<A> extends OfferFilter {
  readonly agent: A;
  readonly subscription: number;
  next: HeapEntry<A> | undefined;
}

// Removed filters leave their heap entry behind until it surfaces; past this much garbage the
// heap is rebuilt from the live filters, so its size stays bounded by the filters in force.
const HEAP_SLACK = 1024;

export class OfferFilters<A> {
  // Per agent and subscription, the first filter of its list (linked through `next`).
  private readonly byAgent = new Map<A, Map<number, HeapEntry<A>>>();
  private readonly bySubscription = new Map<number, Set<A>>();
  private readonly heap: HeapEntry<A>[] = [];
  private count = 0;

  /** Number of filters in force. */
  get size(): number {
    return this.count;
  }

  add(agent: A, subscription: number, refused: Resources, expiresAtMs: number): void {
    let perAgent = this.byAgent.get(agent);
    if (perAgent === undefined) {
      perAgent = new Map();
      this.byAgent.set(agent, perAgent);
    }
    const filter: HeapEntry<A> = { refused, expiresAtMs, next: undefined, agent, subscription };
    const first = perAgent.get(subscription);
    if (first === undefined) perAgent.set(subscription, filter);
    else {
      let last = first;
      while (last.next !== undefined) last = last.next;
      last.next = filter;
    }
    let agents = this.bySubscription.get(subscription);
    if (agents === undefined) {
      agents = new Set();
      this.bySubscription.set(subscription, agents);
    }
    agents.add(agent);
    this.count++;
    this.push(filter);
    if (this.heap.length > 4 * this.count + HEAP_SLACK) this.compact();
  }

  /** The first filter of each subscription on one agent (undefined when there are none). */
  forAgent(agent: A): ReadonlyMap<number, OfferFilter> | undefined {
    return this.byAgent.get(agent);
  }

  /** True when some filter of the list starting at `first` refuses all of `offer`. */
  static filters(first: OfferFilter | undefined, offer: Resources): boolean {
    // The same entries are the common case: an agent offered again just as it was declined
    // (refused and offered collections then hold the agent's very resource objects).
    for (let f = first; f !== undefined; f = f.next) {
      if (f.refused.sameEntries(offer) || f.refused.contains(offer)) return true;
    }
    return false;
  }

  /** Drops every filter that expired at `nowMs`; calls `touched` for each agent affected. */
  expire(nowMs: number, touched: (agent: A) => void): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.expiresAtMs <= nowMs) {
      const top = this.pop();
      if (this.removeOne(top.agent, top.subscription, top)) touched(top.agent);
    }
  }

  /** Drops every filter on the agent (its resources or attributes changed, or it left). */
  removeAgent(agent: A): void {
    const perAgent = this.byAgent.get(agent);
    if (perAgent === undefined) return;
    for (const [subscription, first] of perAgent) {
      this.count -= listLength(first);
      this.bySubscription.get(subscription)?.delete(agent);
    }
    this.byAgent.delete(agent);
  }

  /** Drops every filter of a (framework, role); calls `touched` for each agent affected. */
  removeSubscription(subscription: number, touched: (agent: A) => void): void {
    const agents = this.bySubscription.get(subscription);
    if (agents === undefined) return;
    this.bySubscription.delete(subscription);
    for (const agent of agents) {
      const perAgent = this.byAgent.get(agent);
      const first = perAgent?.get(subscription);
      if (perAgent === undefined || first === undefined) continue;
      this.count -= listLength(first);
      perAgent.delete(subscription);
      if (perAgent.size === 0) this.byAgent.delete(agent);
      touched(agent);
    }
  }

  // Heap entries of filters already removed are skipped lazily when they surface.
  private removeOne(agent: A, subscription: number, filter: HeapEntry<A>): boolean {
    const perAgent = this.byAgent.get(agent);
    const first = perAgent?.get(subscription);
    if (perAgent === undefined || first === undefined) return false;
    if (first === filter) {
      if (filter.next === undefined) perAgent.delete(subscription);
      else perAgent.set(subscription, filter.next);
    } else {
      let before = first;
      while (before.next !== undefined && before.next !== filter) before = before.next;
      if (before.next === undefined) return false;
      before.next = filter.next;
    }
    filter.next = undefined;
    this.count--;
    if (!perAgent.has(subscription)) {
      perAgent.delete(subscription);
      this.bySubscription.get(subscription)?.delete(agent);
      if (perAgent.size === 0) this.byAgent.delete(agent);
    }
    return true;
  }

  private compact(): void {
    const live = this.heap.filter((e) => {
      for (let f = this.byAgent.get(e.agent)?.get(e.subscription); f !== undefined; f = f.next) {
        if (f === e) return true;
      }
      return false;
    });
    this.heap.length = 0;
    for (const e of live) this.push(e);
  }

  private push(entry: HeapEntry<A>): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.expiresAtMs <= entry.expiresAtMs) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): HeapEntry<A> {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mv = last.expiresAtMs;
        if (l < heap.length && heap[l]!.expiresAtMs < mv) {
          m = l;
          mv = heap[l]!.expiresAtMs;
        }
        if (r < heap.length && heap[r]!.expiresAtMs < mv) m = r;
        if (m === i) break;
        heap[i] = heap[m]!;
        i = m;
      }
      heap[i] = last;
    }
    return top;
  }
}

function listLength(first: OfferFilter | undefined): number {
  let n = 0;
  for (let f = first; f !== undefined; f = f.next) n++;
  return n;
}
