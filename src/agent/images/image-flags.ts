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
  if (backend !== undefined && backend !== "copy") {
    r.fail(
      "image_provisioner_backend",
      `'${backend}' is not supported; the only backend here is copy`,
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
  };
}
