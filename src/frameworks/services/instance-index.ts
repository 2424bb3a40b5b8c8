// The services core's instances, indexed by instance id and by app id, with the two work lists
// kept up to date on every change: the instances waiting for an offer (Scheduled, goal Running)
// per app, for the offer matcher, and those whose task is unreachable, for the unreachable
// review. No input rescans every instance to find either. Lists come back in the order the
// instances were added, so choices stay the same whatever the index's internal order.
import { assert } from "../../base/assert.ts";
import { type Instance, isScheduled } from "./instance.ts";
import type { AppId } from "./path-id.ts";

export function isWaitingForOffer(i: Instance): boolean {
  return isScheduled(i) && i.goal === "Running";
}

export class InstanceIndex {
  private readonly byId = new Map<string, Instance>();
  private readonly byApp = new Map<AppId, Map<string, Instance>>();
  /** Order of addition, by instance id: the order lists are returned in. */
  private readonly order = new Map<string, number>();
  private nextOrder = 0;
  private readonly waiting = new Map<AppId, Set<Instance>>();
  private waitingCount = 0;
  private readonly unreachable = new Set<Instance>();

  constructor(instances: Iterable<Instance> = []) {
    for (const i of instances) this.add(i);
  }

  add(i: Instance): void {
    assert(!this.byId.has(i.instanceId), `instance ${i.instanceId} added twice`);
    this.byId.set(i.instanceId, i);
    this.order.set(i.instanceId, this.nextOrder++);
    let ofApp = this.byApp.get(i.appId);
    if (ofApp === undefined) {
      ofApp = new Map();
      this.byApp.set(i.appId, ofApp);
    }
    ofApp.set(i.instanceId, i);
    this.reindex(i);
  }

  delete(i: Instance): void {
    if (!this.byId.delete(i.instanceId)) return;
    this.order.delete(i.instanceId);
    const ofApp = this.byApp.get(i.appId);
    ofApp?.delete(i.instanceId);
    if (ofApp?.size === 0) this.byApp.delete(i.appId);
    this.setWaiting(i, false);
    this.unreachable.delete(i);
  }

  /** Updates the work lists after `i`'s state or goal changed; every change must call it. */
  reindex(i: Instance): void {
    if (!this.byId.has(i.instanceId)) return;
    this.setWaiting(i, isWaitingForOffer(i));
    if (i.state === "TASK_UNREACHABLE") this.unreachable.add(i);
    else this.unreachable.delete(i);
  }

  get(instanceId: string): Instance | undefined {
    return this.byId.get(instanceId);
  }

  all(): Instance[] {
    return [...this.byId.values()];
  }

  of(appId: AppId): Instance[] {
    const ofApp = this.byApp.get(appId);
    return ofApp === undefined ? [] : [...ofApp.values()];
  }

  /** The app's instances waiting for an offer, oldest first. */
  waitingOf(appId: AppId): Instance[] {
    const set = this.waiting.get(appId);
    return set === undefined ? [] : this.inOrder(set);
  }

  /** Apps with at least one instance waiting for an offer (any order). */
  appsWaiting(): AppId[] {
    return [...this.waiting.keys()];
  }

  hasWaiting(appId?: AppId): boolean {
    return appId === undefined ? this.waitingCount > 0 : this.waiting.has(appId);
  }

  /** Instances whose task is TASK_UNREACHABLE, oldest first. */
  unreachableInstances(): Instance[] {
    return this.inOrder(this.unreachable);
  }

  private inOrder(set: ReadonlySet<Instance>): Instance[] {
    const rank = (i: Instance) => this.order.get(i.instanceId) ?? 0;
    return [...set].sort((a, b) => rank(a) - rank(b));
  }

  private setWaiting(i: Instance, waiting: boolean): void {
    let set = this.waiting.get(i.appId);
    if (waiting) {
      if (set === undefined) {
        set = new Set();
        this.waiting.set(i.appId, set);
      }
      if (!set.has(i)) {
        set.add(i);
        this.waitingCount += 1;
      }
    } else if (set?.delete(i) === true) {
      this.waitingCount -= 1;
      if (set.size === 0) this.waiting.delete(i.appId);
    }
  }
}
