// The fetcher's cache (Mesos's `FetcherProcess::Cache`, `--fetcher_cache_dir`,
// `--fetcher_cache_size` 2 GB): a URI with `cache: true` is downloaded once per agent process
// and copied into every sandbox that asks for it. Entries are keyed by user and URI, as in
// Mesos; two launches asking at the same time share one download. Least recently used entries
// are evicted when the cache holds more than its size (an entry being copied is never evicted).
//
// The cache lives in a private directory made on first use and removed when the process exits
// (Mesos also starts every agent with an empty cache).
import { mkdtempSync, rmSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const DEFAULT_FETCHER_CACHE_BYTES = 2 * 1024 * 1024 * 1024;

export type Download = (target: string) => Promise<{ ok: true } | { ok: false; message: string }>;

interface Entry {
  readonly path: string;
  ready: Promise<{ ok: true } | { ok: false; message: string }>;
  sizeBytes: number;
  lastUsedMs: number;
  inUse: number;
}

export class FetcherCache {
  readonly #entries = new Map<string, Entry>();
  #dir: string | undefined;
  #next = 0;
  #downloads = 0;

  constructor(
    readonly maxBytes = DEFAULT_FETCHER_CACHE_BYTES,
    private readonly dirOverride?: string,
  ) {}

  /** How many downloads the cache started (for tests and metrics). */
  get downloads(): number {
    return this.#downloads;
  }

  #directory(): string {
    if (this.dirOverride !== undefined) return this.dirOverride;
    if (this.#dir === undefined) {
      const dir = mkdtempSync(join(tmpdir(), "tessera-fetch-cache-"));
      process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
      this.#dir = dir;
    }
    return this.#dir;
  }

  /**
   * Runs `use` on the cached copy of `uri` (downloaded with `download` if not cached yet).
   * A failed download is not kept: the next launch tries again.
   */
  async with<T>(
    user: string,
    uri: string,
    download: Download,
    use: (path: string) => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; message: string }> {
    const key = `${user}\u0000${uri}`;
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const path = join(this.#directory(), `c${++this.#next}`);
      const created: Entry = {
        path,
        ready: Promise.resolve({ ok: true }),
        sizeBytes: 0,
        lastUsedMs: Date.now(),
        inUse: 0,
      };
      this.#downloads += 1;
      created.ready = download(path).then(async (r) => {
        if (!r.ok) {
          this.#entries.delete(key);
          await rm(path, { force: true });
          return r;
        }
        created.sizeBytes = (await stat(path)).size;
        return r;
      });
      this.#entries.set(key, created);
      entry = created;
    }
    entry.inUse += 1;
    try {
      const ready = await entry.ready;
      if (!ready.ok) return ready;
      entry.lastUsedMs = Date.now();
      return { ok: true, value: await use(entry.path) };
    } finally {
      entry.inUse -= 1;
      await this.#evict();
    }
  }

  async #evict(): Promise<void> {
    let total = 0;
    for (const e of this.#entries.values()) total += e.sizeBytes;
    if (total <= this.maxBytes) return;
    const idle = [...this.#entries.entries()]
      .filter(([, e]) => e.inUse === 0 && e.sizeBytes > 0)
      .sort(([, a], [, b]) => a.lastUsedMs - b.lastUsedMs);
    for (const [key, e] of idle) {
      if (total <= this.maxBytes) break;
      this.#entries.delete(key);
      total -= e.sizeBytes;
      await rm(e.path, { force: true });
    }
  }
}

/** The agent process's cache, used when the caller names none. */
export const defaultFetcherCache = new FetcherCache();
