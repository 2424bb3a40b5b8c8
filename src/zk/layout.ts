// Mesos's ZooKeeper layout for masters (reference §7): under the `--zk` path each master owns an
// ephemeral sequential znode `json.info_NNNNNNNNNN` holding its MasterInfo JSON, and the member
// with the lowest sequence number leads. Other children (the replicated log's `log_replicas`,
// legacy binary `info_` members, anything whose name does not end in `_<number>`) are not ours.
// Pure functions over child names.

/** The label + "_" ZooKeeper's sequence suffix is appended to. */
export const MASTER_ZNODE_PREFIX = "json.info_";

export interface Candidacy {
  /** The child's name, e.g. "json.info_0000000003". */
  name: string;
  sequence: number;
}

/**
 * Parses a child name as a json.info member; undefined for anything else. ZooKeeper's sequence
 * is a signed 32-bit counter printed as 10 zero-padded digits.
 */
export function parseCandidacy(name: string): Candidacy | undefined {
  if (!name.startsWith(MASTER_ZNODE_PREFIX)) return undefined;
  const digits = name.slice(MASTER_ZNODE_PREFIX.length);
  if (!/^\d{1,10}$/.test(digits)) return undefined;
  const sequence = Number(digits);
  if (sequence > 2 ** 31 - 1) return undefined;
  return { name, sequence };
}

/** The leading candidacy among `children`: the lowest json.info_ sequence. */
export function leaderCandidacy(children: readonly string[]): Candidacy | undefined {
  let best: Candidacy | undefined;
  for (const child of children) {
    const candidacy = parseCandidacy(child);
    if (candidacy !== undefined && (best === undefined || candidacy.sequence < best.sequence)) {
      best = candidacy;
    }
  }
  return best;
}

/** Joins a base path (no trailing slash, or "/") and a child name. */
export function childPath(path: string, child: string): string {
  return path === "/" ? `/${child}` : `${path}/${child}`;
}

/** The name part of a path ZooKeeper returned for a created node. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
