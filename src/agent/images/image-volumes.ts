// ContainerInfo volumes of a container that runs in an image (containers.md §1, Mesos's
// volume/host_path, volume/sandbox_path and volume/image isolators): HOST_PATH (also the legacy
// `host_path` form), SANDBOX_PATH (SELF, and PARENT for a nested container) and DOCKER image volumes (the image's unpacked
// root: the store's one copy for RO, the container's own copy for RW, container-images.ts),
// bound at `container_path` in the rootfs
// (a relative path is below the sandbox, /mnt/mesos/sandbox), read-only for mode RO. What
// cannot be honoured is refused with a message: PARENT sandbox paths of a container without a
// parent (a task's; nested containers in images have one), APPC image volumes, secret,
// Docker and CSI volumes, a missing host path, a container_path that leaves the rootfs. Pure apart from checking that the host paths exist.
import { statSync } from "node:fs";
import { isAbsolute, join, normalize } from "node:path";
import type { Volume } from "../../wire/volume.ts";
import { CONTAINER_SANDBOX } from "./command-merge.ts";

/** The native launcher binds at most 8 paths; one is the sandbox. */
export const MAX_VOLUMES = 7;

export interface VolumeBind {
  /** Host path. */
  readonly from: string;
  /** Absolute path inside the container. */
  readonly to: string;
  readonly readOnly: boolean;
  readonly isDirectory: boolean;
  /** A SANDBOX_PATH source (the container's sandbox or its parent's): created if missing. */
  readonly inSandbox: boolean;
}

export type VolumesResult =
  | { readonly ok: true; readonly binds: readonly VolumeBind[] }
  | { readonly ok: false; readonly message: string };

/** `path` kept inside `/` (or inside the sandbox when relative), else undefined. */
function containerPath(path: string): string | undefined {
  if (path === "" || path.includes("\0")) return undefined;
  const base = isAbsolute(path) ? "/" : `${CONTAINER_SANDBOX}/`;
  const full = normalize(join(base, path));
  if (isAbsolute(path)) return full === "/" || full.startsWith("/..") ? undefined : full;
  return full.startsWith(`${CONTAINER_SANDBOX}/`) ? full : undefined;
}

/** The unpacked root of each image volume's image, pulled before (container-images.ts). */
export type ImageVolumeDirs = ReadonlyMap<Volume, string>;

function source(
  v: Volume,
  sandboxDir: string,
  imageDirs: ImageVolumeDirs,
  parentSandboxDir: string | undefined,
): string | { refused: string } {
  if (v.image !== undefined) {
    const dir = imageDirs.get(v);
    if (dir === undefined) return { refused: "only DOCKER image volumes are supported" };
    return dir;
  }
  const src = v.source;
  if (src === undefined) {
    return v.host_path !== undefined
      ? v.host_path
      : { refused: "a volume needs a source or host_path" };
  }
  if (src.type === "HOST_PATH" && src.host_path !== undefined) return src.host_path.path;
  if (src.type === "SANDBOX_PATH" && src.sandbox_path !== undefined) {
    const parent = src.sandbox_path.type === "PARENT";
    if (parent && parentSandboxDir === undefined) {
      return {
        refused:
          "SANDBOX_PATH of type PARENT is for a nested container's parent sandbox; a task's container has no parent (as in Mesos)",
      };
    }
    const rel = normalize(src.sandbox_path.path);
    if (isAbsolute(rel) || rel.startsWith("..")) {
      return { refused: `sandbox path '${src.sandbox_path.path}' leaves the sandbox` };
    }
    return join(parent ? (parentSandboxDir as string) : sandboxDir, rel);
  }
  return { refused: `${src.type ?? "UNKNOWN"} volumes are not supported` };
}

/** `parentSandboxDir`: a nested container's parent's sandbox, for SANDBOX_PATH PARENT. */
export function imageVolumes(
  volumes: readonly Volume[] | undefined,
  sandboxDir: string,
  imageDirs: ImageVolumeDirs = new Map(),
  parentSandboxDir?: string,
): VolumesResult {
  const list = volumes ?? [];
  if (list.length > MAX_VOLUMES)
    return { ok: false, message: `at most ${MAX_VOLUMES} volumes per container` };
  const binds: VolumeBind[] = [];
  for (const v of list) {
    const to = containerPath(v.container_path);
    if (to === undefined) {
      return {
        ok: false,
        message: `volume container_path '${v.container_path}' is outside the container's rootfs`,
      };
    }
    const from = source(v, sandboxDir, imageDirs, parentSandboxDir);
    if (typeof from !== "string")
      return { ok: false, message: `volume at '${v.container_path}': ${from.refused}` };
    let isDirectory = true;
    const inSandbox = v.source?.type === "SANDBOX_PATH";
    if (!inSandbox && !imageDirs.has(v)) {
      try {
        isDirectory = statSync(from).isDirectory();
      } catch {
        return {
          ok: false,
          message: `volume at '${v.container_path}': host path '${from}' does not exist`,
        };
      }
    }
    binds.push({ from, to, readOnly: (v.mode ?? "RW") === "RO", isDirectory, inSandbox });
  }
  return { ok: true, binds };
}
