// The Mesos containerizer's image support for the agent's launches (containers.md §2): a
// ContainerInfo of type MESOS with `mesos.image`, or of type DOCKER on this agent that runs
// no Docker containerizer (run here from the same image; the differences are in
// docs/containers.md), gets its image pulled into the store and a rootfs provisioned for the
// container under `<work_dir>/provisioner/containers/<container_id>/` (overlay or copy
// backend), removed when the container ends; its volumes (image volumes pulled too) are bound
// into it. With `--image_providers` unset, or for what is not built (APPC images, volumes of a
// container without an image), the launch is refused with a message (container-refusal.ts)
// and the task never runs on the host.
import { existsSync } from "node:fs";
import { rm, statfs } from "node:fs/promises";
import type { Logger } from "pino";
import type { ContainerInfo } from "../../wire/container.ts";
import type { Volume } from "../../wire/volume.ts";
import { Repeating } from "../containerizer/container-watch.ts";
import type { ContainerRootfs } from "../containerizer/containerizer.ts";
import type { CommandSpec } from "../containerizer/launcher.ts";
import type { NestedImageSpec, NestedImages } from "../nested/image-container.ts";
import { CONTAINER_SANDBOX, imageEnv, mergeCommand } from "./command-merge.ts";
import { containerRefusal } from "./container-refusal.ts";
import type { ImageRuntimeConfig } from "./image-config.ts";
import type { ImageFlags } from "./image-flags.ts";
import { ImageStore, type StoredImage } from "./image-store.ts";
import { imageVolumes } from "./image-volumes.ts";
import { Provisioner } from "./provisioner.ts";
import {
  dockerConfigAuth,
  fetchFromRegistry,
  type PullState,
  registryBase,
} from "./registry-source.ts";
import { fetchFromTarballs } from "./tarball-source.ts";

export interface PreparedImage {
  readonly name: string;
  readonly rootfs: ContainerRootfs;
  readonly config: ImageRuntimeConfig;
}

export type PrepareResult =
  | { readonly ok: true; readonly image: PreparedImage | undefined }
  | { readonly ok: false; readonly message: string };

/** The image a ContainerInfo names for the Mesos containerizer, with its pull policy. */
function namedImage(info: ContainerInfo): { name: string; cached: boolean } | undefined {
  if (info.type === "DOCKER" && info.docker !== undefined) {
    return { name: info.docker.image, cached: info.docker.force_pull_image !== true };
  }
  const image = info.mesos?.image;
  if (image?.type === "DOCKER" && image.docker !== undefined) {
    return { name: image.docker.name, cached: image.cached !== false };
  }
  return undefined;
}

/** What `docker run` would honour and the Mesos containerizer cannot (containers.md §3):
 *  refused rather than run differently. BRIDGE joins the CNI `mesos-bridge` network with the
 *  DockerInfo's port mappings, USER the named NetworkInfo (network-choice.ts). */
function dockerRefusal(info: ContainerInfo): string | undefined {
  const docker = info.docker;
  if (info.type !== "DOCKER" || docker === undefined) return undefined;
  // As given on the wire: defaults and repeated fields may be absent.
  const network = docker.network ?? "HOST";
  const named = (info.network_infos ?? []).some((n) => n.name !== undefined && n.name !== "");
  const joinable = network === "HOST" || network === "BRIDGE" || (network === "USER" && named);
  const cannot = [
    joinable ? "" : `network ${network}${network === "USER" ? " without a named network" : ""}`,
    docker.privileged === true ? "privileged" : "",
    (docker.parameters ?? []).length > 0 ? "parameters" : "",
    // Only BRIDGE takes the DockerInfo's mappings; elsewhere they would be dropped.
    (docker.port_mappings ?? []).length > 0 && network !== "BRIDGE"
      ? `port_mappings on network ${network}`
      : "",
  ].filter((c) => c !== "");
  if (cannot.length === 0) return undefined;
  return (
    `ContainerInfo type DOCKER with ${cannot.join(", ")} needs the Docker containerizer, which ` +
    "this agent does not run (its Mesos containerizer runs DOCKER images on the host network, " +
    "or BRIDGE on the CNI mesos-bridge network)"
  );
}

export class ContainerImages implements NestedImages {
  readonly #flags: ImageFlags;
  readonly #logger: Logger;
  #store: Promise<ImageStore> | undefined;
  /** Containers with a provisioned rootfs, and their images' names, the volumes' too (kept by
   *  image GC). */
  readonly #provisioned = new Map<string, readonly string[]>();
  readonly #provisioner: Provisioner;
  readonly #gcTimer: Repeating | undefined;
  /** Registry pulls in progress, by image name (one per name: the store shares them). */
  readonly #pulls = new Map<string, PullState>();
  /** Containers waiting for their image's pull, and the image. */
  readonly #waiting = new Map<string, string>();

  constructor(flags: ImageFlags, workDir: string, logger: Logger) {
    this.#flags = flags;
    this.#logger = logger;
    this.#provisioner = new Provisioner(flags.dockerStoreDir, workDir, flags.backend);
    if (flags.gc !== undefined) {
      this.#gcTimer = new Repeating(flags.gc.intervalMs, () => {
        this.collectGarbage(Date.now()).catch((error: unknown) => {
          this.#logger.warn({ error: String(error) }, "image GC failed");
        });
      });
      this.#gcTimer.arm();
    }
  }

  /** Stops image GC (the agent is stopping). */
  close(): void {
    this.#gcTimer?.disarm();
  }

  #openStore(): Promise<ImageStore> {
    this.#store ??= (async () => {
      const registry = this.#flags.dockerRegistry;
      const auth = await dockerConfigAuth(this.#flags.dockerConfig);
      const local = registry.startsWith("/");
      return ImageStore.open(this.#flags.dockerStoreDir, (ref, staging) =>
        local
          ? fetchFromTarballs(registry, ref, staging)
          : this.#tracked(ref.name, (progress) =>
              fetchFromRegistry(registryBase(ref, registry), ref, auth, staging, progress),
            ),
      );
    })();
    return this.#store;
  }

  /** Pulls the images of DOCKER image volumes (Mesos's volume/image). An RO one is unpacked
   *  once in the store and bound read-only from there; an RW one is the container's own copy,
   *  as Mesos provisions each image volume for its container: what the task writes there is
   *  its alone, and goes with the container. The copies are made once the rootfs is
   *  (`copies`: the container's directory is fresh then). */
  async #volumeImages(
    containerId: string,
    store: ImageStore,
    volumes: readonly Volume[],
  ): Promise<
    | {
        ok: true;
        dirs: Map<Volume, string>;
        names: string[];
        copies: { dir: string; image: StoredImage }[];
      }
    | { ok: false; message: string }
  > {
    const dirs = new Map<Volume, string>();
    const names: string[] = [];
    const copies: { dir: string; image: StoredImage }[] = [];
    for (const [i, v] of volumes.entries()) {
      const image = v.image;
      if (image?.type !== "DOCKER" || image.docker === undefined) continue;
      const pulled = await store.pull(image.docker.name, { cached: image.cached !== false });
      if (!pulled.ok) {
        return { ok: false, message: `Image volume at '${v.container_path}': ${pulled.message}` };
      }
      names.push(image.docker.name);
      if ((v.mode ?? "RW") === "RW") {
        const dir = this.#provisioner.volumeDir(containerId, i);
        dirs.set(v, dir);
        copies.push({ dir, image: pulled.value });
        continue;
      }
      try {
        dirs.set(v, await this.#provisioner.unpacked(pulled.value));
      } catch (error) {
        return {
          ok: false,
          message: `Image volume at '${v.container_path}': cannot unpack '${image.docker.name}': ${(error as Error).message}`,
        };
      }
    }
    return { ok: true, dirs, names, copies };
  }

  /** Pull progress in the agent's log (each layer) and for pullProgress, while it runs. */
  async #tracked<T>(name: string, fetch: (progress: (s: PullState) => void) => Promise<T>) {
    let logged = 0;
    try {
      return await fetch((state) => {
        this.#pulls.set(name, state);
        if (state.layersDone === logged) return;
        logged = state.layersDone;
        this.#logger.info({ image: name, ...state }, "pulled an image layer");
      });
    } finally {
      this.#pulls.delete(name);
    }
  }

  /** The registry pull a container's launch waits for (`/monitor/statistics`), if any. */
  pullProgress(containerId: string): ({ image: string } & PullState) | undefined {
    const image = this.#waiting.get(containerId);
    const state = image === undefined ? undefined : this.#pulls.get(image);
    return image === undefined || state === undefined ? undefined : { image, ...state };
  }

  /** Pulls and provisions the container's image; undefined image: it runs on the host.
   *  `parentSandboxDir`: a nested container's parent's sandbox (SANDBOX_PATH PARENT). */
  async prepare(
    containerId: string,
    info: ContainerInfo | undefined,
    sandboxDir: string,
    parentSandboxDir?: string,
  ): Promise<PrepareResult> {
    const named = info === undefined ? undefined : namedImage(info);
    if (info === undefined || this.#flags.providers === undefined || named === undefined) {
      const refused = containerRefusal(info);
      return refused === undefined
        ? { ok: true, image: undefined }
        : { ok: false, message: refused };
    }
    const others =
      dockerRefusal(info) ??
      containerRefusal({
        ...info,
        type: "MESOS",
        docker: undefined,
        mesos: undefined,
        volumes: [],
      });
    if (others !== undefined) return { ok: false, message: others };

    let store: ImageStore;
    try {
      store = await this.#openStore();
    } catch (error) {
      this.#store = undefined;
      return { ok: false, message: `Cannot open the image store: ${(error as Error).message}` };
    }
    const started = Date.now();
    this.#logger.info({ containerId, image: named.name }, "pulling image");
    this.#waiting.set(containerId, named.name);
    const pulled = await store
      .pull(named.name, { cached: named.cached })
      .finally(() => this.#waiting.delete(containerId));
    if (!pulled.ok) return pulled;
    const volumeImages = await this.#volumeImages(containerId, store, info.volumes ?? []);
    if (!volumeImages.ok) return volumeImages;
    const volumes = imageVolumes(info.volumes, sandboxDir, volumeImages.dirs, parentSandboxDir);
    if (!volumes.ok) return volumes;
    try {
      const provisioned = await this.#provisioner.provision(containerId, pulled.value);
      for (const copy of volumeImages.copies) {
        await this.#provisioner.copyImage(copy.image, copy.dir);
      }
      const rootfs = { ...provisioned, volumes: volumes.binds };
      await this.#provisioner.mountTargets(containerId, provisioned, sandboxDir, volumes.binds);
      this.#provisioned.set(containerId, [named.name, ...volumeImages.names]);
      if (pulled.value.config.user !== undefined) {
        this.#logger.warn(
          { containerId, user: pulled.value.config.user },
          "the image's User is ignored, as in Mesos",
        );
      }
      const ms = Date.now() - started;
      this.#logger.info({ containerId, image: named.name, ms }, "image provisioned");
      return {
        ok: true,
        image: { name: named.name, rootfs, config: pulled.value.config },
      };
    } catch (error) {
      await rm(this.#provisioner.containerDir(containerId), { recursive: true, force: true }).catch(
        () => undefined,
      );
      return {
        ok: false,
        message: `Failed to provision image '${named.name}': ${(error as Error).message}`,
      };
    }
  }

  /**
   * Image GC (`--image_gc_config`): when the store's disk has less free than the headroom,
   * forgets the images no container uses (the excluded ones kept) and deletes their layers
   * and unpacked copies. Returns the images collected (none when GC is off or not needed).
   */
  async collectGarbage(nowMs: number): Promise<string[]> {
    const gc = this.#flags.gc;
    if (gc === undefined || this.#store === undefined) return [];
    const store = await this.#store;
    const fs = await statfs(this.#flags.dockerStoreDir);
    if (fs.blocks > 0 && fs.bavail / fs.blocks >= gc.headroom) return [];
    const keep = new Set([...[...this.#provisioned.values()].flat(), ...gc.excluded]);
    const collected = await store.collect(keep, nowMs);
    await this.#provisioner.collect(store.images());
    if (collected.images.length > 0) {
      this.#logger.info({ images: collected.images, layers: collected.layers.length }, "image GC");
    }
    return collected.images;
  }

  /** A nested container's image and what runs in it (src/agent/nested/image-container.ts). */
  async prepareNested(
    containerId: string,
    info: ContainerInfo,
    dirs: { readonly sandboxDir: string; readonly parentSandboxDir: string },
    command: CommandSpec,
    env: { readonly agent: Record<string, string>; readonly command: Record<string, string> },
  ): Promise<NestedImageSpec> {
    const prepared = await this.prepare(containerId, info, dirs.sandboxDir, dirs.parentSandboxDir);
    if (!prepared.ok) return prepared;
    const inImage = launchInImage(prepared.image, command);
    if (!inImage.ok) {
      await this.release(containerId);
      return inImage;
    }
    const merged = envInImage(prepared.image, env.agent, env.command);
    return { ok: true, command: inImage.command, env: merged, rootfs: inImage.rootfs };
  }

  /** The container ended: its rootfs goes (its mounts lived in its own mount namespace). */
  async release(containerId: string): Promise<void> {
    this.#provisioned.delete(containerId);
    const dir = this.#provisioner.containerDir(containerId);
    // One stat for the containers without an image (nearly all): rm's walk costs 30-100 us of
    // the agent's CPU even for a path that is not there, on every task's end.
    if (!existsSync(dir)) return;
    await this.#provisioner.removeContainerDir(containerId).catch((error: unknown) => {
      this.#logger.warn(
        { containerId, error: String(error) },
        "cannot remove the container's rootfs",
      );
    });
  }
}

export type ImageLaunch =
  | {
      readonly ok: true;
      readonly command: CommandSpec;
      readonly rootfs: ContainerRootfs | undefined;
    }
  | { readonly ok: false; readonly message: string };

/** The command to launch (merged with the image's Entrypoint and Cmd) and where it runs. */
export function launchInImage(image: PreparedImage | undefined, command: CommandSpec): ImageLaunch {
  if (image === undefined) return { ok: true, command, rootfs: undefined };
  const merged = mergeCommand(command, image.config);
  if (!merged.ok)
    return { ok: false, message: `Cannot run image '${image.name}': ${merged.message}` };
  return { ok: true, command: merged.command, rootfs: image.rootfs };
}

/** Agent env < the image's Env < the executor's and CommandInfo's (MESOS-7027); the sandbox
 *  is where the container sees it. */
export function envInImage(
  image: PreparedImage | undefined,
  agentEnv: Readonly<Record<string, string>>,
  executorEnv: Readonly<Record<string, string>>,
): Record<string, string> {
  if (image === undefined) return { ...agentEnv, ...executorEnv };
  return {
    ...agentEnv,
    ...imageEnv(image.config),
    ...executorEnv,
    MESOS_SANDBOX: CONTAINER_SANDBOX,
  };
}

/** The argv prefix that runs a probe inside an image container through one of its processes
 *  (`pids`; a recovered container's too): its root, mounts, network and cwd (the image's
 *  WorkingDir, else the sandbox). Undefined when none is left. */
export function enterContainer(pids: readonly number[]): string[] | undefined {
  const pid = pids[0];
  if (pid === undefined) return undefined;
  return ["nsenter", `--target=${pid}`, "--mount", "--net", "--root", "--wd", "--"];
}
