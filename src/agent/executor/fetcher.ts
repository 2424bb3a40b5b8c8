// The fetcher (reference §8, Mesos's `mesos-fetcher`): before an executor's container starts,
// every CommandInfo.uris entry is put into the sandbox: local paths (or file:// URLs) are
// copied, http(s) URLs downloaded (streamed to disk); `output_file` names the result;
// `executable` sets the mode bits (and, as in Mesos, skips extraction); archives (.tar,
// .tar.gz, .tgz, .tar.bz2, .tar.xz, .zip) are extracted into the sandbox when `extract`
// (default true). `cache: true` fetches a URI once per agent and copies it from the cache
// afterwards (fetcher-cache.ts). A URI that cannot be fetched fails the launch with a message
// naming it (the agent then reports TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED).
import { execFile } from "node:child_process";
import { createWriteStream } from "node:fs";
import { chmod, copyFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { promisify } from "node:util";
import type { CommandURI } from "../../wire/task.ts";
import { defaultFetcherCache, type FetcherCache } from "./fetcher-cache.ts";

const run = promisify(execFile);

/** Mesos's `--fetcher_stall_timeout` is 1 min; a whole download gets that long here. */
const DOWNLOAD_TIMEOUT_MS = 60_000;

export type FetchResult = { ok: true } | { ok: false; message: string };

export interface FetchOptions {
  /** The cache for `cache: true` URIs (default: the agent process's). */
  readonly cache?: FetcherCache;
  /** The user the task runs as: cache entries are per user, as in Mesos. */
  readonly user?: string;
}

const ARCHIVES: readonly [RegExp, string[]][] = [
  [/\.(tar\.gz|tgz)$/, ["tar", "-xzf"]],
  [/\.tar\.bz2$/, ["tar", "-xjf"]],
  [/\.tar\.xz$/, ["tar", "-xJf"]],
  [/\.tar$/, ["tar", "-xf"]],
  [/\.zip$/, ["unzip", "-o", "-q"]],
];

export async function fetchUris(
  uris: readonly CommandURI[],
  sandboxDir: string,
  options: FetchOptions = {},
): Promise<FetchResult> {
  for (const uri of uris) {
    const result = await fetchOne(uri, sandboxDir, options);
    if (!result.ok)
      return { ok: false, message: `Failed to fetch '${uri.value}': ${result.message}` };
  }
  return { ok: true };
}

function isHttp(value: string): boolean {
  return value.startsWith("http://") || value.startsWith("https://");
}

/** The file name in the sandbox: `output_file`, else the URI's last path segment. */
function targetName(uri: CommandURI): string | undefined {
  let name: string;
  if (uri.output_file !== undefined) name = uri.output_file;
  else if (isHttp(uri.value)) {
    try {
      name = decodeURIComponent(basename(new URL(uri.value).pathname));
    } catch {
      return undefined;
    }
  } else name = basename(localPath(uri.value));
  if (name === "" || name === "." || name === ".." || name.includes("/")) return undefined;
  return name;
}

function localPath(value: string): string {
  return value.startsWith("file://") ? value.slice("file://".length) : value;
}

/** Puts the URI's bytes at `target` (no cache). */
async function download(value: string, target: string): Promise<FetchResult> {
  try {
    if (isHttp(value)) {
      const res = await fetch(value, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
      if (!res.ok || res.body === null) {
        await res.body?.cancel();
        return { ok: false, message: `HTTP status ${res.status}` };
      }
      await pipeline(
        Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
        createWriteStream(target),
      );
    } else if (value.includes("://") && !value.startsWith("file://")) {
      return { ok: false, message: "unsupported URI scheme" };
    } else {
      await copyFile(localPath(value), target);
    }
    return { ok: true };
  } catch (error) {
    await rm(target, { force: true });
    return { ok: false, message: describe(error) };
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici hides the socket error (e.g. ECONNREFUSED) in `cause`.
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}

async function fetchOne(
  uri: CommandURI,
  sandboxDir: string,
  options: FetchOptions,
): Promise<FetchResult> {
  const name = targetName(uri);
  if (name === undefined) return { ok: false, message: "cannot derive a file name" };
  const target = join(sandboxDir, name);
  if (uri.cache === true) {
    const cache = options.cache ?? defaultFetcherCache;
    const copied = await cache.with(
      options.user ?? "",
      uri.value,
      (path) => download(uri.value, path),
      (path) => copyFile(path, target),
    );
    if (!copied.ok) return copied;
  } else {
    const fetched = await download(uri.value, target);
    if (!fetched.ok) return fetched;
  }
  try {
    if (uri.executable === true) {
      await chmod(target, 0o755);
    } else if (uri.extract) {
      for (const [pattern, argv] of ARCHIVES) {
        if (!pattern.test(name)) continue;
        const [file = "tar", ...args] = argv;
        const extraArgs =
          file === "unzip" ? [target, "-d", sandboxDir] : [target, "-C", sandboxDir];
        await run(file, [...args, ...extraArgs]);
        break;
      }
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, message: describe(error) };
  }
}
