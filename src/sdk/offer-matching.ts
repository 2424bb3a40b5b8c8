// Helpers to fit tasks into offers: does an offer hold `{cpus, memMb, diskMb, ports}`, take
// those resources out of what is left of an offer, pack several tasks into one offer, and build
// a command task. Taken resources are copies of the offer's own entries with a smaller value, so
// they keep the offer's reservations and `allocation_info` (the master rejects a launch whose
// resources are not contained in the offer, reference §1.5).
import type { z } from "zod";
import { assert } from "../base/assert.ts";
import { fromMilli, toMilli } from "../resources/scalar.ts";
import type { Offer, OfferOperation } from "../wire/offer.ts";
import type { Resource } from "../wire/resource.ts";
import type { TaskInfo } from "../wire/task.ts";

/** What one task needs. Scalars in Mesos's units (cpus, MB); `ports` is a count. */
export interface TaskNeeds {
  readonly cpus?: number;
  readonly memMb?: number;
  readonly diskMb?: number;
  readonly gpus?: number;
  readonly ports?: number;
}

/** Resources taken for a task, ready for `TaskInfo.resources`, and the port numbers picked. */
export interface TakenResources {
  readonly resources: Resource[];
  readonly ports: number[];
}

const SCALAR_NEEDS = [
  ["cpus", "cpus"],
  ["mem", "memMb"],
  ["disk", "diskMb"],
  ["gpus", "gpus"],
] as const;

interface Entry {
  readonly source: Resource;
  /** Scalar left, in thousandths (Mesos's fixed point, reference §0.5). */
  milli: number;
  /** Ranges left as sorted, disjoint [begin, end] pairs. */
  ranges: [number, number][];
}

// Only plain entries can be split for a task: not persistent volumes or mount/block disks
// (they carry `disk`), not shared or revocable resources, which a task must ask for by name.
function usable(r: Resource): boolean {
  return r.disk === undefined && r.shared === undefined && r.revocable === undefined;
}

/** What is left of one offer while tasks are fitted into it. */
export class RemainingOffer {
  readonly offer: Offer;
  private readonly entries: Entry[];

  constructor(offer: Offer) {
    this.offer = offer;
    this.entries = (offer.resources ?? []).filter(usable).map((r) => ({
      source: r,
      milli: r.type === "SCALAR" ? toMilli(r.scalar?.value ?? 0) : 0,
      ranges:
        r.type === "RANGES"
          ? (r.ranges?.range ?? [])
              .map((x): [number, number] => [x.begin, x.end])
              .sort((a, b) => a[0] - b[0])
          : [],
    }));
  }

  /** Total scalar left under `name` (e.g. "cpus"), in Mesos units. */
  scalar(name: string): number {
    let milli = 0;
    for (const e of this.entries) if (e.source.name === name) milli += e.milli;
    return fromMilli(milli);
  }

  /** Number of ports left. */
  portCount(): number {
    let n = 0;
    for (const e of this.entries) {
      if (e.source.name === "ports") for (const [b, end] of e.ranges) n += end - b + 1;
    }
    return n;
  }

  fits(needs: TaskNeeds): boolean {
    for (const [name, field] of SCALAR_NEEDS) {
      const want = toMilli(needs[field] ?? 0);
      if (want > 0 && toMilli(this.scalar(name)) < want) return false;
    }
    return this.portCount() >= (needs.ports ?? 0);
  }

  /** Takes what the task needs, or returns undefined (and takes nothing) when it does not fit. */
  take(needs: TaskNeeds): TakenResources | undefined {
    if (!this.fits(needs)) return undefined;
    const resources: Resource[] = [];
    for (const [name, field] of SCALAR_NEEDS) {
      let want = toMilli(needs[field] ?? 0);
      for (const e of this.entries) {
        if (want === 0) break;
        if (e.source.name !== name || e.milli === 0) continue;
        const milli = Math.min(want, e.milli);
        e.milli -= milli;
        want -= milli;
        resources.push({ ...e.source, scalar: { value: fromMilli(milli) } });
      }
      assert(want === 0, `took less ${name} than fits() promised`);
    }
    const ports: number[] = [];
    let wantPorts = needs.ports ?? 0;
    for (const e of this.entries) {
      if (wantPorts === 0) break;
      if (e.source.name !== "ports") continue;
      const picked = takeLowest(e.ranges, wantPorts);
      if (picked.length === 0) continue;
      wantPorts -= picked.length;
      ports.push(...picked);
      resources.push({ ...e.source, ranges: { range: toRanges(picked) } });
    }
    assert(wantPorts === 0, "took fewer ports than fits() promised");
    return { resources, ports };
  }

  /** The resources not taken yet, in the offer's wire form. */
  get resources(): Resource[] {
    const out: Resource[] = [];
    for (const e of this.entries) {
      if (e.source.type === "SCALAR" && e.milli > 0) {
        out.push({ ...e.source, scalar: { value: fromMilli(e.milli) } });
      } else if (e.source.type === "RANGES" && e.ranges.length > 0) {
        out.push({
          ...e.source,
          ranges: { range: e.ranges.map(([begin, end]) => ({ begin, end })) },
        });
      } else if (e.source.type === "SET") {
        out.push(e.source);
      }
    }
    return out;
  }
}

// Removes the `count` lowest ports from sorted ranges (in place) and returns them.
function takeLowest(ranges: [number, number][], count: number): number[] {
  const out: number[] = [];
  while (out.length < count && ranges.length > 0) {
    const first = ranges[0] as [number, number];
    const n = Math.min(count - out.length, first[1] - first[0] + 1);
    for (let p = first[0]; p < first[0] + n; p++) out.push(p);
    if (first[0] + n > first[1]) ranges.shift();
    else first[0] += n;
  }
  return out;
}

function toRanges(sortedPorts: readonly number[]): { begin: number; end: number }[] {
  const out: { begin: number; end: number }[] = [];
  for (const p of sortedPorts) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end + 1 === p) last.end = p;
    else out.push({ begin: p, end: p });
  }
  return out;
}

/** True when the offer alone holds what the task needs. */
export function offerFits(offer: Offer, needs: TaskNeeds): boolean {
  return new RemainingOffer(offer).fits(needs);
}

export interface Placement<T> {
  readonly item: T;
  readonly taken: TakenResources;
}

/**
 * Fits items into one offer, first come first placed, skipping those that no longer fit.
 * Returns the placements and the items left for another offer.
 */
export function packTasks<T>(
  offer: Offer,
  items: readonly T[],
  needsOf: (item: T) => TaskNeeds,
): { placed: Placement<T>[]; rest: T[]; remaining: RemainingOffer } {
  const remaining = new RemainingOffer(offer);
  const placed: Placement<T>[] = [];
  const rest: T[] = [];
  for (const item of items) {
    const taken = remaining.take(needsOf(item));
    if (taken === undefined) rest.push(item);
    else placed.push({ item, taken });
  }
  return { placed, rest, remaining };
}

/** What code builds to send (defaults filled in by the schema on the way out). */
export type TaskInfoInput = z.input<typeof TaskInfo>;
export type OfferOperationInput = z.input<typeof OfferOperation>;

export interface CommandTaskSpec {
  readonly id: string;
  readonly name?: string;
  readonly agentId: string;
  /** A shell command (`sh -c`), or argv when `shell` is false (argv[0] is the program). */
  readonly cmd: string | readonly string[];
  readonly shell?: boolean;
  readonly resources: readonly Resource[];
  readonly env?: Readonly<Record<string, string>>;
  readonly user?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** SIGTERM to SIGKILL; the built-in executor's default is 3 s. */
  readonly killGracePeriodMs?: number;
}

/** A TaskInfo run by the built-in command executor (reference §3.5). */
export function commandTask(spec: CommandTaskSpec): TaskInfoInput {
  const argv = typeof spec.cmd === "string" ? undefined : spec.cmd;
  const shell = spec.shell ?? argv === undefined;
  assert(argv === undefined || argv.length > 0, "commandTask: empty argv");
  assert(shell || argv !== undefined, "commandTask: shell=false needs cmd as argv");
  const command: NonNullable<TaskInfoInput["command"]> = shell
    ? { shell: true, value: typeof spec.cmd === "string" ? spec.cmd : spec.cmd.join(" ") }
    : { shell: false, value: argv?.[0] as string, arguments: [...(argv ?? [])] };
  if (spec.env !== undefined) {
    command.environment = {
      variables: Object.entries(spec.env).map(([name, value]) => ({ name, value })),
    };
  }
  if (spec.user !== undefined) command.user = spec.user;
  const task: TaskInfoInput = {
    name: spec.name ?? spec.id,
    task_id: { value: spec.id },
    agent_id: { value: spec.agentId },
    resources: [...spec.resources],
    command,
  };
  if (spec.labels !== undefined) {
    task.labels = { labels: Object.entries(spec.labels).map(([key, value]) => ({ key, value })) };
  }
  if (spec.killGracePeriodMs !== undefined) {
    task.kill_policy = { grace_period: { nanoseconds: spec.killGracePeriodMs * 1_000_000 } };
  }
  return task;
}

/** The LAUNCH operation of an ACCEPT call. */
export function launchOperation(tasks: readonly TaskInfoInput[]): OfferOperationInput {
  return { type: "LAUNCH", launch: { task_infos: [...tasks] } };
}
