// The Docker image store (`--docker_store_dir`, containers.md §2): layers kept content
// addressed under `layers/sha256/<hex>` (verified against the digest their source names, or
// named by their own), an index of pulled images in `images.json` written atomically (a temp
// file renamed over it, so a crash leaves the old index or the new one), and a per-pull
// `staging/<random>` directory removed when the pull ends and swept at start after a crash
// (MESOS-6950). Concurrent pulls of one image share one download; `cached: false` pulls again.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { type ImageRuntimeConfig, parseImageConfig } from "./image-config.ts";
import { type ImageReference, parseImageReference } from "./image-reference.ts";
import type { SourceResult } from "./source.ts";

export interface StoredImage {
  readonly name: string;
  /** Layer files, base first. */
  readonly layerPaths: readonly string[];
  readonly layerDigests: readonly string[];
  readonly config: ImageRuntimeConfig;
}

export type PullResult =
  | { readonly ok: true; readonly value: StoredImage }
  | { readonly ok: false; readonly message: string };

/** Fetches one image into a staging directory (a tarball directory or a registry). */
export type ImageFetch = (ref: ImageReference, staging: string) => Promise<SourceResult>;

interface IndexEntry {
  layers: string[];
  config: unknown;
  pulledAtMs: number;
}

async function fileDigest(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest("hex")}`;
}

export class ImageStore {
  readonly #dir: string;
  readonly #fetch: ImageFetch;
  readonly #now: () => number;
  #index = new Map<string, IndexEntry>();
  readonly #pulling = new Map<string, Promise<PullResult>>();

  private constructor(dir: string, fetch: ImageFetch, now: () => number) {
    this.#dir = dir;
    this.#fetch = fetch;
    this.#now = now;
  }

  /** Opens (creating) the store: sweeps staging left by a crash, reads the index. */
  static async open(
    dir: string,
    fetch: ImageFetch,
    now: () => number = Date.now,
  ): Promise<ImageStore> {
    const store = new ImageStore(dir, fetch, now);
    await rm(join(dir, "staging"), { recursive: true, force: true });
    await mkdir(join(dir, "staging"), { recursive: true });
    await mkdir(join(dir, "layers", "sha256"), { recursive: true });
    const indexPath = join(dir, "images.json");
    if (existsSync(indexPath)) {
      const parsed = JSON.parse(await readFile(indexPath, "utf8")) as Record<string, IndexEntry>;
      store.#index = new Map(Object.entries(parsed));
    }
    return store;
  }

  layerPath(digest: string): string {
    return join(this.#dir, "layers", ...digest.split(":"));
  }

  #stored(name: string): StoredImage | undefined {
    const entry = this.#index.get(name);
    if (entry === undefined) return undefined;
    const layerPaths = entry.layers.map((d) => this.layerPath(d));
    if (!layerPaths.every((p) => existsSync(p))) return undefined;
    return { name, layerPaths, layerDigests: entry.layers, config: parseImageConfig(entry.config) };
  }

  /** The image, pulled unless cached (and `cached` is not false). One pull per name at a time. */
  pull(name: string, options: { cached?: boolean } = {}): Promise<PullResult> {
    const shared = this.#pulling.get(name);
    if (shared !== undefined) return shared;
    if (options.cached !== false) {
      const stored = this.#stored(name);
      if (stored !== undefined) return Promise.resolve({ ok: true, value: stored });
    }
    const pulling = this.#pull(name).finally(() => this.#pulling.delete(name));
    this.#pulling.set(name, pulling);
    return pulling;
  }

  async #pull(name: string): Promise<PullResult> {
    const ref = parseImageReference(name);
    if (ref === undefined)
      return { ok: false, message: `'${name}' is not a valid image reference` };
    const staging = join(this.#dir, "staging", randomBytes(6).toString("hex"));
    try {
      await mkdir(staging, { recursive: true });
      const fetched = await this.#fetch(ref, staging);
      if (!fetched.ok) return fetched;
      const digests: string[] = [];
      for (const layer of fetched.value.layers) {
        const digest = await fileDigest(layer.path);
        if (layer.digest !== undefined && layer.digest !== digest) {
          return {
            ok: false,
            message: `layer ${layer.digest} of '${name}' is corrupt (its digest is ${digest})`,
          };
        }
        const target = this.layerPath(digest);
        if (!existsSync(target)) await rename(layer.path, target);
        digests.push(digest);
      }
      this.#index.set(name, {
        layers: digests,
        config: fetched.value.config,
        pulledAtMs: this.#now(),
      });
      await this.#writeIndex();
      const stored = this.#stored(name);
      return stored === undefined
        ? { ok: false, message: `image '${name}' lost its layers while being stored` }
        : { ok: true, value: stored };
    } catch (error) {
      return { ok: false, message: `Failed to store image '${name}': ${(error as Error).message}` };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async #writeIndex(): Promise<void> {
    const path = join(this.#dir, "images.json");
    const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(temp, JSON.stringify(Object.fromEntries(this.#index)));
    await rename(temp, path);
  }

  /** The images indexed now, with their layers present. */
  images(): StoredImage[] {
    return [...this.#index.keys()].flatMap((name) => this.#stored(name) ?? []);
  }

  /**
   * Image GC (`--image_gc_config`): forgets images pulled before `pulledBeforeMs` that no
   * container uses, then deletes every layer no remaining image names. Returns what went.
   */
  async collect(
    inUse: ReadonlySet<string>,
    pulledBeforeMs: number,
  ): Promise<{ images: string[]; layers: string[] }> {
    const images: string[] = [];
    // A pull moves its layers in before it indexes them: collect only between pulls.
    if (this.#pulling.size > 0) return { images, layers: [] };
    for (const [name, entry] of this.#index) {
      if (!inUse.has(name) && entry.pulledAtMs < pulledBeforeMs && !this.#pulling.has(name)) {
        this.#index.delete(name);
        images.push(name);
      }
    }
    if (images.length > 0) await this.#writeIndex();
    const kept = new Set([...this.#index.values()].flatMap((e) => e.layers));
    const layers: string[] = [];
    for (const hex of await readdir(join(this.#dir, "layers", "sha256"))) {
      const digest = `sha256:${hex}`;
      if (kept.has(digest)) continue;
      await rm(this.layerPath(digest), { force: true });
      layers.push(digest);
    }
    return { images, layers };
  }
}
