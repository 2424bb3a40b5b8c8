// The local image source Mesos selects when `--docker_registry` is a path (containers.md §2,
// image_tar_puller): `<dir>/<name>.tar` with the name verbatim (`busybox:latest.tar`, then
// `busybox.tar` for the default tag). Three layouts are read from the unpacked archive:
// today's `docker save` (`manifest.json`: Config and Layers), Mesos's own (`repositories`,
// then each `<id>/json`'s `parent` down to the base, the top json's `config` as the runtime
// config), and an OCI image layout (`index.json` → manifest → config and layer blobs).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, normalize } from "node:path";
import * as tar from "tar";
import type { ImageReference } from "./image-reference.ts";
import { type Manifest, parseManifest, pickPlatform } from "./manifest.ts";
import type { FetchedImage, SourceResult } from "./source.ts";

/** Mesos follows `parent` links; a chain longer than this is a loop in a corrupt archive. */
const MAX_LAYER_CHAIN = 1000;

function archiveCandidates(dir: string, ref: ImageReference): string[] {
  const out = [join(dir, `${ref.name}.tar`)];
  if (!ref.name.includes(":") && !ref.name.includes("@"))
    out.push(join(dir, `${ref.name}:latest.tar`));
  if (ref.name.endsWith(":latest"))
    out.push(join(dir, `${ref.name.slice(0, -":latest".length)}.tar`));
  return out;
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, "utf8"));
}

/** A path named inside the archive, refused if it leaves it. */
function inside(root: string, relative: string): string {
  const path = normalize(join(root, relative));
  if (!path.startsWith(`${root}/`))
    throw new Error(`archive names a path outside itself: ${relative}`);
  return path;
}

async function dockerSave(root: string, ref: ImageReference): Promise<FetchedImage> {
  const list = (await readJson(join(root, "manifest.json"))) as {
    Config: string;
    RepoTags?: string[];
    Layers: string[];
  }[];
  const wanted = `${ref.repository}:${ref.tag}`;
  const entry = list.find((m) => m.RepoTags?.includes(wanted) === true) ?? list[0];
  if (entry === undefined) throw new Error("manifest.json lists no image");
  return {
    config: await readJson(inside(root, entry.Config)),
    layers: entry.Layers.map((l) => ({ path: inside(root, l), digest: undefined })),
  };
}

async function mesosLayout(root: string, ref: ImageReference): Promise<FetchedImage> {
  const repos = (await readJson(join(root, "repositories"))) as Record<
    string,
    Record<string, string>
  >;
  const tags =
    repos[ref.repository] ?? repos[ref.name.split(":")[0] ?? ""] ?? Object.values(repos)[0];
  let id = tags?.[ref.tag] ?? tags?.latest;
  if (id === undefined) throw new Error(`repositories has no tag '${ref.tag}'`);
  const layers: { path: string; digest: undefined }[] = [];
  let config: unknown;
  for (let i = 0; id !== undefined; i++) {
    if (i >= MAX_LAYER_CHAIN) throw new Error("the layers' parent chain does not end");
    const json = (await readJson(inside(root, `${id}/json`))) as { parent?: string };
    config ??= json;
    layers.unshift({ path: inside(root, `${id}/layer.tar`), digest: undefined });
    id = json.parent;
  }
  return { config, layers };
}

async function ociLayout(root: string): Promise<FetchedImage> {
  const blob = (digest: string) => inside(root, `blobs/${digest.replace(":", "/")}`);
  let manifest: Manifest = parseManifest(await readJson(join(root, "index.json")), undefined);
  for (let depth = 0; manifest.kind === "index"; depth++) {
    if (depth > 2) throw new Error("OCI index nesting too deep");
    const chosen = pickPlatform(manifest);
    if (chosen === undefined) throw new Error("OCI index has no linux/amd64 image");
    manifest = parseManifest(await readJson(blob(chosen)), undefined);
  }
  return {
    config: await readJson(blob(manifest.config)),
    layers: manifest.layers.map((digest) => ({ path: blob(digest), digest })),
  };
}

/** Unpacks the image archive into `staging` and reads its layout. */
export async function fetchFromTarballs(
  dir: string,
  ref: ImageReference,
  staging: string,
): Promise<SourceResult> {
  const archive = archiveCandidates(dir, ref).find((p) => existsSync(p));
  if (archive === undefined) {
    return {
      ok: false,
      message: `Failed to find archive for image '${ref.name}' in '${dir}' (looked for ${archiveCandidates(dir, ref).join(", ")})`,
    };
  }
  try {
    await tar.x({ file: archive, cwd: staging, strict: true });
    if (existsSync(join(staging, "manifest.json")))
      return { ok: true, value: await dockerSave(staging, ref) };
    if (existsSync(join(staging, "oci-layout")))
      return { ok: true, value: await ociLayout(staging) };
    if (existsSync(join(staging, "repositories")))
      return { ok: true, value: await mesosLayout(staging, ref) };
    return {
      ok: false,
      message: `'${archive}' is no image archive (no manifest.json, repositories or oci-layout)`,
    };
  } catch (error) {
    return {
      ok: false,
      message: `Failed to read image archive '${archive}': ${(error as Error).message}`,
    };
  }
}
