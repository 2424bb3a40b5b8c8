// The agent's image flags (containers.md §2): `--image_providers=docker` turns image support
// on; `--docker_registry` is a registry URL, or a directory of image tarballs when it starts
// with `/`; `--docker_store_dir`; `--docker_config` (a path or inline JSON with `auths`);
// `--image_provisioner_backend` (overlay or copy).
import type { FlagReader } from "../../base/flag-parsing.ts";
import type { AgentFlagSpec } from "../flags.ts";

export interface ImageFlags {
  /** Off (undefined) unless `--image_providers=docker`. */
  readonly providers: "docker" | undefined;
  readonly dockerRegistry: string;
  readonly dockerStoreDir: string;
  readonly dockerConfig: string | undefined;
  /** Undefined: overlay where the store's file system allows it, else copy (as Mesos). */
  readonly backend: "copy" | "overlay" | undefined;
  /** `--image_gc_config` (Mesos's ImageGcConfig), or undefined: no image GC (the default). */
  readonly gc: ImageGcConfig | undefined;
}

export interface ImageGcConfig {
  /** Collect when less than this fraction of the store's disk is free. */
  readonly headroom: number;
  readonly intervalMs: number;
  readonly excluded: readonly string[];
}

/** Mesos's defaults: 10% headroom, checked every hour. */
const GC_DEFAULT_HEADROOM = 0.1;
const GC_DEFAULT_INTERVAL_MS = 3_600_000;

function readGcConfig(r: FlagReader): ImageGcConfig | undefined {
  const text = r.str("image_gc_config");
  if (text === undefined) return undefined;
  try {
    const json = JSON.parse(text) as {
      image_disk_headroom?: number;
      image_disk_watch_interval?: { nanoseconds?: number };
      excluded_images?: { docker?: { name?: string } }[];
    };
    const headroom = json.image_disk_headroom ?? GC_DEFAULT_HEADROOM;
    const ns = json.image_disk_watch_interval?.nanoseconds;
    const intervalMs = ns === undefined ? GC_DEFAULT_INTERVAL_MS : ns / 1e6;
    if (!(headroom >= 0 && headroom <= 1) || !(intervalMs >= 1)) {
      r.fail(
        "image_gc_config",
        "image_disk_headroom must be in [0, 1] and the interval at least 1ms",
      );
      return undefined;
    }
    const excluded = (json.excluded_images ?? []).flatMap((i) =>
      i.docker?.name ? [i.docker.name] : [],
    );
    return { headroom, intervalMs, excluded };
  } catch (error) {
    r.fail("image_gc_config", `not JSON: ${(error as Error).message}`);
    return undefined;
  }
}

export const IMAGE_FLAG_SPECS: readonly AgentFlagSpec[] = [
  {
    name: "image_providers",
    kind: "string",
    default: undefined,
    help: "image kinds containers may name: docker (default: none, and a task naming an image fails)",
  },
  {
    name: "docker_registry",
    kind: "string",
    default: "https://registry-1.docker.io",
    help: "Docker registry to pull from, or a directory of image tarballs (<dir>/<name>.tar) when it starts with /",
  },
  {
    name: "docker_store_dir",
    kind: "string",
    default: "/tmp/mesos/store/docker",
    help: "where pulled image layers and the image index are kept",
  },
  {
    name: "docker_config",
    kind: "string",
    default: undefined,
    help: "registry credentials: a path to, or the text of, a Docker config JSON with 'auths'",
  },
  {
    name: "image_gc_config",
    kind: "json",
    default: undefined,
    help: 'image GC: JSON {"image_disk_headroom":0.1,"image_disk_watch_interval":{"nanoseconds":N},"excluded_images":[...]} (default: off)',
  },
  {
    name: "image_provisioner_backend",
    kind: "string",
    default: undefined,
    help: "how an image's layers become a rootfs: overlay (default where supported) or copy",
  },
];

export function readImageFlags(r: FlagReader): ImageFlags {
  const providers = r.str("image_providers");
  if (providers !== undefined && providers !== "docker") {
    r.fail("image_providers", `'${providers}' is not supported; the only image provider is docker`);
  }
  const backend = r.str("image_provisioner_backend");
  if (backend !== undefined && backend !== "copy" && backend !== "overlay") {
    r.fail(
      "image_provisioner_backend",
      `'${backend}' is not supported; the backends here are overlay and copy`,
    );
  }
  const storeDir = r.str("docker_store_dir") ?? "";
  if (!storeDir.startsWith("/"))
    r.fail("docker_store_dir", `'${storeDir}' is not an absolute path`);
  return {
    providers: providers === "docker" ? "docker" : undefined,
    dockerRegistry: r.str("docker_registry") ?? "https://registry-1.docker.io",
    dockerStoreDir: storeDir,
    dockerConfig: r.str("docker_config"),
    backend: backend === "copy" || backend === "overlay" ? backend : undefined,
    gc: readGcConfig(r),
  };
}
