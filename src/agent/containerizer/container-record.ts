// What the containerizer keeps about each live container, and the promises its wait() and
// exited() hand out.
import type { ContainerResources } from "./cgroup-limits.ts";
import type { Limitation, Termination } from "./termination.ts";

export interface Container {
  readonly id: string;
  readonly pid: number;
  /** Started by our spawn helper, which reports its end. False for a recovered container
   *  (not ours) or when the helper died: its end is found by polling its pid. */
  ownChild: boolean;
  startTimeTicks: number | null;
  resources: ContainerResources | null;
  /** Its sandbox (disk/du measures it); null when unknown. */
  readonly sandboxDir: string | null;
  /** disk/du's last measure of the sandbox, in bytes. */
  diskUsedBytes: number | undefined;
  readonly inCgroups: boolean;
  limitation: Limitation | undefined;
  destroyRequested: boolean;
  ended: boolean;
  readonly termination: Promise<Termination>;
  readonly resolve: (t: Termination) => void;
  /** Resolved when the first process ended, before the cleanup (see Containerizer.exited). */
  readonly exited: Promise<Termination>;
  readonly resolveExited: (t: Termination) => void;
}

export function newContainer(fields: {
  id: string;
  pid: number;
  ownChild: boolean;
  resources: ContainerResources | null;
  startTimeTicks: number | null;
  sandboxDir: string | null;
  inCgroups: boolean;
}): Container {
  let resolve!: (t: Termination) => void;
  const termination = new Promise<Termination>((r) => {
    resolve = r;
  });
  let resolveExited!: (t: Termination) => void;
  const exited = new Promise<Termination>((r) => {
    resolveExited = r;
  });
  return {
    ...fields,
    diskUsedBytes: undefined,
    limitation: undefined,
    destroyRequested: false,
    ended: false,
    termination,
    resolve,
    exited,
    resolveExited,
  };
}
