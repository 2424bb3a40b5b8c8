// How the zk registry backend lays the registry out in znodes (pure; no ZooKeeper calls).
//
//   <path>/registry                     header: {"format":1,"shards":{"<shard>":["<chunk>",...]}}
//                                        its znode version IS the registry version
//   <path>/registry/<v>-<nonce>-<shard>-<i>   chunk i of a shard's rows, written for version v
//
// Rows are grouped into shards (agents by a hash of their id into AGENT_SHARDS buckets; weights,
// quotas, maintenance and the master info each one shard), so a batch rewrites only the shards
// it touched. A shard's JSON is cut into chunks of at most CHUNK_BYTES_MAX, so no znode comes
// near ZooKeeper's 1 MB limit (jute.maxbuffer) however many agents there are. Chunks are never
// changed in place: a commit writes new chunks and swaps the header, so the header's versioned
// write is the one atomic step.

/** Agent rows spread over this many shards: ~200 agents each at 50,000 agents. */
export const AGENT_SHARDS = 256;
/** Largest chunk znode; well under ZooKeeper's default 1 MB jute.maxbuffer. */
export const CHUNK_BYTES_MAX = 256 * 1024;
/** Bytes of chunk data per multi transaction; the whole request must fit jute.maxbuffer too. */
export const TRANSACTION_BYTES_MAX = 640 * 1024;
/** The header's format; a higher one was written by a newer Tessera. */
export const HEADER_FORMAT = 1;

export const SHARD_WEIGHTS = "weights";
export const SHARD_QUOTAS = "quotas";
export const SHARD_MAINTENANCE = "maintenance";
export const SHARD_MASTER = "master";
/** The single row key of the maintenance and master shards. */
export const SINGLE_ROW = "value";

export interface RegistryHeader {
  format: number;
  /** Shard name -> its chunk znode names, in order; an empty shard is absent. */
  shards: Record<string, string[]>;
}

/** FNV-1a of the id, for a stable spread of agents over shards. */
export function agentShard(agentId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < agentId.length; i++) {
    hash ^= agentId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `agents-${hash % AGENT_SHARDS}`;
}

export function isAgentShard(shard: string): boolean {
  return shard.startsWith("agents-");
}

export function encodeHeader(header: RegistryHeader): Buffer {
  return Buffer.from(JSON.stringify(header), "utf8");
}

/** Parses a header; a string says what is wrong with it. */
export function decodeHeader(data: Buffer): RegistryHeader | string {
  let json: unknown;
  try {
    json = JSON.parse(data.toString("utf8"));
  } catch {
    return "the registry header is not JSON";
  }
  if (typeof json !== "object" || json === null) return "the registry header is not an object";
  const { format, shards } = json as { format?: unknown; shards?: unknown };
  if (typeof format !== "number") return "the registry header has no format";
  if (typeof shards !== "object" || shards === null) return "the registry header has no shards";
  for (const chunks of Object.values(shards)) {
    if (!Array.isArray(chunks) || chunks.some((c) => typeof c !== "string")) {
      return "the registry header lists a shard badly";
    }
  }
  return { format, shards: shards as Record<string, string[]> };
}

/** A shard's rows as stored: JSON of [key, value] pairs, cut into chunks. */
export function encodeShard(rows: ReadonlyMap<string, unknown>): Buffer[] {
  if (rows.size === 0) return [];
  const bytes = Buffer.from(JSON.stringify([...rows]), "utf8");
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES_MAX) {
    chunks.push(bytes.subarray(offset, offset + CHUNK_BYTES_MAX));
  }
  return chunks;
}

/** The inverse of `encodeShard`; a string says what is wrong. */
export function decodeShard(chunks: readonly Buffer[]): Map<string, unknown> | string {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return "a registry shard is not JSON";
  }
  if (!Array.isArray(json)) return "a registry shard is not a list of rows";
  const rows = new Map<string, unknown>();
  for (const row of json) {
    if (!Array.isArray(row) || row.length !== 2 || typeof row[0] !== "string") {
      return "a registry shard holds a malformed row";
    }
    rows.set(row[0], row[1]);
  }
  return rows;
}

/** The name of chunk `index` of `shard` written for registry version `version`. */
export function chunkName(version: number, nonce: string, shard: string, index: number): string {
  return `${version}-${nonce}-${shard}-${index}`;
}

/** The registry version a chunk was written for, from its name; undefined if not a chunk. */
export function chunkVersion(name: string): number | undefined {
  const match = /^(\d+)-/.exec(name);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Groups items into consecutive batches of at most `maxBytes` (an oversized item goes alone). */
export function batchesBySize<T>(
  items: readonly T[],
  size: (item: T) => number,
  maxBytes: number,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = size(item);
    if (current.length > 0 && bytes + itemBytes > maxBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += itemBytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
