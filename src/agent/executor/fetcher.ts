// The fetcher (reference §8, Mesos's `mesos-fetcher`): before an executor's container starts,
// every CommandInfo.uris entry is put into the sandbox: local paths (or file:// URLs) are
// copied, http(s) URLs downloaded; `executable` sets the mode bits; archives (.tar, .tar.gz,
// .tgz, .tar.bz2, .tar.xz, .zip) are extracted when `extract` (default true). A URI that
// cannot be fetched fails the launch with a message naming it (the agent then reports
// TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED). No cache yet (`cache` is ignored).
import { execFile } from "node:child_process";
import { chmod, copyFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import type { CommandURI } from "../../wire/task.ts";

const run = promisify(execFile);

export type FetchResult = { ok: true } | { ok: false; message: string };

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
): Promise<FetchResult> {
  for (const uri of uris) {
    const result = await fetchOne(uri, sandboxDir);
    if (!result.ok)
      return { ok: false, message: `Failed to fetch '${uri.value}': ${result.message}` };
  }
  return { ok: true };
}

async function fetchOne(uri: CommandURI, sandboxDir: string): Promise<FetchResult> {
  const value = uri.value;
  const isHttp = value.startsWith("http://") || value.startsWith("https://");
  const localPath = value.startsWith("file://") ? value.slice("file://".length) : value;
  const name = uri.output_file ?? basename(isHttp ? new URL(value).pathname : localPath);
  if (name === "" || name.includes("/") || name === "..") {
    return { ok: false, message: "cannot derive a file name" };
  }
  const target = join(sandboxDir, name);
  try {
    if (isHttp) {
      const res = await fetch(value, { signal: AbortSignal.timeout(60_000) });
      if (!res.ok) return { ok: false, message: `HTTP status ${res.status}` };
      await writeFile(target, Buffer.from(await res.arrayBuffer()));
    } else if (value.includes("://")) {
      return { ok: false, message: "unsupported URI scheme" };
    } else {
      await copyFile(localPath, target);
    }
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
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
