// What one framework holds on one agent, by role (records.ts keeps the agent's and the
// framework's lists of them).
import { Resources } from "../resources/index.ts";
import type { AgentState, FrameworkState } from "./records.ts";

/** An emptied inline slot (shared like any collection handed in: copied before a change). */
const NOTHING_HELD = Resources.empty();

/**
 * What one framework holds on one agent, by role (resources carry their allocation role).
 * Behaves like a Map from role to resources, insertion order included, but the first role
 * is kept inline: nearly every holding has one role, and one Map per offer was measurable.
 * The inline slot is only filled while no other role is held, so it is always the oldest.
 */
export class Holding {
  private firstRole: string | undefined;
  private firstHeld: Resources | undefined;
  // Collections handed to `add` stay the caller's (they may be shared, see
  // `AgentState.allocateHere`): each is copied before its first change here.
  private firstShared = false;
  private more: Map<string, Resources> | undefined;
  private moreShared: Set<string> | undefined;
  prev: Holding | undefined;
  next: Holding | undefined;

  constructor(
    public fw: FrameworkState,
    readonly agent: AgentState,
  ) {}

  /** Makes an emptied holding (given up by its agent) the holding of `fw` (AgentState.newHolding). */
  reuseFor(fw: FrameworkState): void {
    if (!this.isEmpty() || this.prev !== undefined || this.next !== undefined) {
      throw new Error(`bug: reusing a holding of ${this.fw.id} still in use`);
    }
    this.fw = fw;
    this.more = undefined;
    this.moreShared = undefined;
  }

  get(role: string): Resources | undefined {
    return this.firstRole === role ? this.firstHeld : this.more?.get(role);
  }

  /** Adds a role not held yet; `held` stays the caller's (it is read, never changed). */
  add(role: string, held: Resources): void {
    if (this.firstRole === undefined && (this.more === undefined || this.more.size === 0)) {
      this.firstRole = role;
      this.firstHeld = held;
      this.firstShared = true;
    } else {
      this.more ??= new Map();
      this.more.set(role, held);
      this.moreShared ??= new Set();
      this.moreShared.add(role);
    }
  }

  /** Adds `resources` to what the role holds (held already). */
  addTo(role: string, resources: Resources): void {
    this.owned(role).addInPlace(resources);
  }

  /** Takes `resources` (contained) out of what the role holds. */
  subtractFrom(role: string, resources: Resources): void {
    if (this.firstRole === role && this.firstHeld!.sameEntries(resources)) {
      // All of it back, as it was offered: nothing to copy or subtract.
      this.firstHeld = NOTHING_HELD;
      this.firstShared = true;
      return;
    }
    this.owned(role).subtractInPlace(resources);
  }

  /** The role's collection, copied first if it is still shared with its offer. */
  private owned(role: string): Resources {
    if (this.firstRole === role) {
      if (this.firstShared) {
        this.firstHeld = this.firstHeld!.clone();
        this.firstShared = false;
      }
      return this.firstHeld!;
    }
    let held = this.more?.get(role);
    if (held === undefined) throw new Error(`bug: ${this.fw.id} holds nothing in ${role}`);
    if (this.moreShared!.delete(role)) {
      held = held.clone();
      this.more!.set(role, held);
    }
    return held;
  }

  delete(role: string): void {
    if (this.firstRole === role) {
      this.firstRole = undefined;
      this.firstHeld = undefined;
      this.firstShared = false;
    } else {
      this.more?.delete(role);
      this.moreShared?.delete(role);
    }
  }

  isEmpty(): boolean {
    return this.firstRole === undefined && (this.more === undefined || this.more.size === 0);
  }

  /** (role, resources) in the order the roles were added (a snapshot). */
  entries(): [string, Resources][] {
    const out: [string, Resources][] = [];
    if (this.firstRole !== undefined) out.push([this.firstRole, this.firstHeld!]);
    if (this.more !== undefined) for (const entry of this.more) out.push(entry);
    return out;
  }
}
