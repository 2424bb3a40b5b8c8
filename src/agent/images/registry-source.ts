// Pulls an image from a Docker Registry HTTP API v2 (containers.md §2): the manifest (schema 2
// or OCI; a manifest list or OCI index resolved to linux/amd64), then the config and layer
// blobs, each streamed into the pull's staging directory and verified against its digest.
// Auth: anonymous; Basic with `--docker_config` credentials; Bearer tokens from the realm a
// 401's WWW-Authenticate names (with the credentials, if any), asked again when a token
// expires mid-pull (MESOS-9221).
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type ImageReference, manifestReference, registryRepository } from "./image-reference.ts";
import { MANIFEST_MEDIA_TYPES, type Manifest, parseManifest, pickPlatform } from "./manifest.ts";
import type { FetchedImage, SourceResult } from "./source.ts";

/** A manifest or config is small; a bigger body is refused rather than buffered. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Each request's bound; a stalled registry ends the pull with a message, not a hang. */
const REQUEST_TIMEOUT_MS = 5 * 60_000;

export interface RegistryAuth {
  /** `user:password` for a host, from `--docker_config`'s `auths`. */
  readonly credentials: (host: string) => string | undefined;
}

/** Reads `--docker_config` (a path or inline JSON) into per-host credentials. */
export async function dockerConfigAuth(flag: string | undefined): Promise<RegistryAuth> {
  if (flag === undefined || flag === "") return { credentials: () => undefined };
  const text = flag.trimStart().startsWith("{") ? flag : await readFile(flag, "utf8");
  const auths =
    (
      JSON.parse(text) as {
        auths?: Record<string, { auth?: string; username?: string; password?: string }>;
      }
    ).auths ?? {};
  const byHost = new Map<string, string>();
  for (const [key, entry] of Object.entries(auths)) {
    const host = key.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
    const pair =
      entry.auth !== undefined
        ? Buffer.from(entry.auth, "base64").toString("utf8")
        : `${entry.username ?? ""}:${entry.password ?? ""}`;
    byHost.set(host, pair);
  }
  return { credentials: (host) => byHost.get(host) };
}

class RegistryClient {
  #token: string | undefined;
  constructor(
    readonly base: URL,
    readonly repository: string,
    readonly auth: RegistryAuth,
  ) {}

  #basic(): string | undefined {
    const pair = this.auth.credentials(this.base.host);
    return pair === undefined ? undefined : `Basic ${Buffer.from(pair).toString("base64")}`;
  }

  async #authorize(challenge: string): Promise<boolean> {
    const basic = this.#basic();
    if (/^basic/i.test(challenge)) {
      if (basic === undefined) return false;
      this.#token = basic;
      return true;
    }
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? "", m[2] ?? ""]),
    );
    if (params.realm === undefined) return false;
    const url = new URL(params.realm);
    if (params.service !== undefined) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", params.scope ?? `repository:${this.repository}:pull`);
    const res = await fetch(url, {
      headers: basic === undefined ? {} : { authorization: basic },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (token === undefined) return false;
    this.#token = `Bearer ${token}`;
    return true;
  }

  /** GET with auth; one 401 is answered by (re)authorizing, a second is bad credentials. */
  async get(path: string, accept?: string): Promise<Response> {
    const url = new URL(`/v2/${this.repository}/${path}`, this.base);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {};
      if (accept !== undefined) headers.accept = accept;
      if (this.#token !== undefined) headers.authorization = this.#token;
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (res.status !== 401) return res;
      await res.body?.cancel();
      const challenge = res.headers.get("www-authenticate") ?? "";
      if (attempt > 0 || !(await this.#authorize(challenge))) {
        const named =
          this.#basic() === undefined
            ? "no credentials for it in --docker_config"
            : "the credentials in --docker_config were refused";
        throw new Error(
          `registry ${this.base.host} refused access to '${this.repository}' (401; ${named})`,
        );
      }
    }
  }

  async json(path: string, accept?: string): Promise<{ body: unknown; type: string | undefined }> {
    const res = await this.get(path, accept);
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`registry ${this.base.host}: GET ${path} answered ${res.status}`);
    }
    const text = await res.text();
    if (text.length > MAX_MANIFEST_BYTES)
      throw new Error(`registry ${this.base.host}: ${path} is too big`);
    return { body: JSON.parse(text), type: res.headers.get("content-type") ?? undefined };
  }

  /** Streams a blob to `file`, failing unless its sha256 is `digest`. */
  async blob(digest: string, file: string, onBytes?: (n: number) => void): Promise<void> {
    const res = await this.get(`blobs/${digest}`);
    if (!res.ok || res.body === null) {
      await res.body?.cancel();
      throw new Error(`registry ${this.base.host}: blob ${digest} answered ${res.status}`);
    }
    const hash = createHash("sha256");
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        onBytes?.(chunk.length);
        done(null, chunk);
      },
    });
    await pipeline(
      Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
      tap,
      createWriteStream(file),
    );
    const got = `sha256:${hash.digest("hex")}`;
    if (got !== digest)
      throw new Error(`blob ${digest} of '${this.repository}' is corrupt (its digest is ${got})`);
  }
}

/** The registry a reference pulls from: its own host, else `--docker_registry`. */
export function registryBase(ref: ImageReference, flag: string): URL {
  if (ref.host === undefined) return new URL(flag.includes("://") ? flag : `https://${flag}`);
  const loopback = /^(localhost|127\.)/.test(ref.host);
  return new URL(`${loopback ? "http" : "https"}://${ref.host}`);
}

/** A registry pull's progress so far: layers downloaded of all, and bytes received. */
export interface PullState {
  readonly layersDone: number;
  readonly layers: number;
  readonly bytes: number;
}

/** Called as a pull goes: on every chunk of a layer, and once each layer is done. */
export type PullProgress = (state: PullState) => void;

export async function fetchFromRegistry(
  base: URL,
  ref: ImageReference,
  auth: RegistryAuth,
  staging: string,
  progress?: PullProgress,
): Promise<SourceResult> {
  const client = new RegistryClient(base, registryRepository(ref, base.host), auth);
  try {
    const accept = MANIFEST_MEDIA_TYPES.join(", ");
    let got = await client.json(`manifests/${manifestReference(ref)}`, accept);
    let manifest: Manifest = parseManifest(got.body, got.type);
    if (manifest.kind === "index") {
      const chosen = pickPlatform(manifest);
      if (chosen === undefined) throw new Error(`'${ref.name}' has no linux/amd64 image`);
      got = await client.json(`manifests/${chosen}`, accept);
      manifest = parseManifest(got.body, got.type);
      if (manifest.kind === "index") throw new Error(`'${ref.name}': an index inside an index`);
    }
    const configFile = join(staging, "config.json");
    await client.blob(manifest.config, configFile);
    const layers = [];
    const total = manifest.layers.length;
    let bytes = 0;
    for (const [i, digest] of manifest.layers.entries()) {
      const path = join(staging, `layer-${i}`);
      await client.blob(digest, path, (n) => {
        bytes += n;
        progress?.({ layersDone: i, layers: total, bytes });
      });
      layers.push({ path, digest });
      progress?.({ layersDone: i + 1, layers: total, bytes });
    }
    const image: FetchedImage = { config: JSON.parse(await readFile(configFile, "utf8")), layers };
    return { ok: true, value: image };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const detail =
      cause === undefined ? (error as Error).message : `${(error as Error).message} (${cause})`;
    return {
      ok: false,
      message: `Failed to pull image '${ref.name}' from ${base.origin}: ${detail}`,
    };
  }
}
