// The dependency graph of jobs (reference §2.7): edges parent -> child by name, taken from each
// dependent job's `parents`. Unlike Chronos, edges are checked on write — a parent that does not
// exist or an edge that closes a cycle is refused with a 400 and nothing changes (reference §4
// #25, chronos#815) — and the "which parents succeeded since the child last ran" state is kept
// on the child's record in the store, not in memory (#811).
import type { JobDefinition } from "./job-definition.ts";

export class JobGraph {
  /** parent -> children. */
  readonly #children = new Map<string, Set<string>>();

  constructor(jobs: Iterable<JobDefinition>) {
    for (const job of jobs) this.add(job);
  }

  add(job: JobDefinition): void {
    for (const p of job.parents ?? []) {
      let set = this.#children.get(p);
      if (set === undefined) {
        set = new Set();
        this.#children.set(p, set);
      }
      set.add(job.name);
    }
  }

  remove(job: JobDefinition): void {
    for (const p of job.parents ?? []) {
      const set = this.#children.get(p);
      set?.delete(job.name);
      if (set?.size === 0) this.#children.delete(p);
    }
  }

  children(name: string): string[] {
    return [...(this.#children.get(name) ?? [])].sort();
  }

  /**
   * The problem with `job`'s parents, given the jobs that exist (`job` itself replacing its
   * old record); undefined when every parent exists and no cycle forms.
   */
  problem(
    job: JobDefinition,
    lookup: (name: string) => JobDefinition | undefined,
  ): string | undefined {
    const parents = job.parents ?? [];
    if (new Set(parents).size !== parents.length)
      return `Job '${job.name}' names a parent more than once`;
    for (const p of parents) {
      if (p === job.name) return `Job '${job.name}' cannot be its own parent`;
      if (lookup(p) === undefined) return `Error, parent '${p}' does not exist`;
    }
    // A cycle through `job` means `job` is an ancestor of one of its new parents.
    const seen = new Set<string>();
    const stack = [...parents];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      const def = name === job.name ? job : lookup(name);
      for (const p of def?.parents ?? []) {
        if (p === job.name)
          return `Job '${job.name}' would depend on itself through '${name}' (dependency cycle)`;
        stack.push(p);
      }
    }
    return undefined;
  }
}

/**
 * What becomes of `deleted`'s children (Chronos's rule, reference §2.4): a child that had other
 * parents just loses this one; an only child of a dependent job inherits its parents; an only
 * child of a scheduled (or cron) job becomes a scheduled job with the parent's schedule.
 */
export function reparented(deleted: JobDefinition, child: JobDefinition): JobDefinition {
  const others = (child.parents ?? []).filter((p) => p !== deleted.name);
  if (others.length > 0) return { ...child, parents: others };
  const inherited = (deleted.parents ?? []).filter((p) => p !== child.name);
  if (inherited.length > 0) return { ...child, parents: inherited };
  const { parents: _dropped, ...rest } = child;
  if (deleted.cron !== undefined)
    return { ...rest, cron: deleted.cron, scheduleTimeZone: deleted.scheduleTimeZone };
  return {
    ...rest,
    schedule: deleted.schedule ?? "R1//PT24H",
    scheduleTimeZone: deleted.scheduleTimeZone,
  };
}
