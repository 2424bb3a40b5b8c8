// Turns a stored image into a container's rootfs (containers.md §2), under
// `<work_dir>/provisioner/containers/<container_id>/`. Two backends, as Mesos's
// `--image_provisioner_backend`: overlay (the default where the store's file system allows
// it) and copy. Overlay unpacks each image once, whiteouts applied, into
// `<store>/rootfs/<hash of its layers>` and hands the launcher the options of one overlay
// mount on that single lower directory, with the container's own upper and work dirs: one
// lower dir, so the 4096-byte mount data limit that broke Mesos at 38 layers (MESOS-6000)
// cannot be hit however many layers the image has. The launcher mounts it inside the
// container's mount namespace, so it goes with the container. Copy unpacks the layers into
// the container's own directory each time.
import { createHash, randomBytes } from "node:crypto";
import {
  type Dirent,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  rmdirSync,
  unlinkSync,
} from "node:fs";
import { mkdir, readdir, rename, rm, statfs, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ContainerRootfs } from "../containerizer/containerizer.ts";
import { CONTAINER_SANDBOX, workingDir } from "./command-merge.ts";
import type { StoredImage } from "./image-store.ts";
import type { VolumeBind } from "./image-volumes.ts";
import { copyLayers } from "./rootfs-copy.ts";

/** File systems overlay cannot sit on (Mesos refuses these too), by statfs magic. */
const NO_OVERLAY_ON: ReadonlyMap<number, string> = new Map([
  [0x794c7630, "overlay"],
  [0x9123683e, "btrfs"],
  [0x2fc12fc1, "zfs"],
  [0x61756673, "aufs"],
]);

export type Backend = "overlay" | "copy";

/** #hasDirectory's answers kept (a few per image in the store); cleared when full. */
const HAS_DIRECTORY_BOUND = 1024;

function unpackKey(image: StoredImage): string {
  return createHash("sha256").update(image.layerDigests.join(",")).digest("hex");
}

function refuseSymlinks(root: string, containerPath: string): void {
  let path = root;
  for (const part of containerPath.split("/").filter((p) => p !== "")) {
    path = join(path, part);
    let link = false;
    try {
      link = lstatSync(path).isSymbolicLink();
    } catch {
      return; // Missing from here on: created as directories, inside the rootfs.
    }
    if (link)
      throw new Error(
        `volume container_path '${containerPath}' is outside the container's rootfs (a symlink in the image)`,
      );
  }
}

/** The most entries of a container's directory removed on the event loop. */
const SYNC_REMOVE_BOUND = 32;

/** Lists `dir`'s tree into `files` and `dirs` (children before their parents); false when it
 *  has more than SYNC_REMOVE_BOUND entries or cannot be read. Symlinks are files here. */
function smallTree(dir: string, files: string[], dirs: string[]): boolean {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    if (files.length + dirs.length >= SYNC_REMOVE_BOUND) return false;
    const path = join(dir, e.name);
    if (!e.isDirectory()) files.push(path);
    else if (!smallTree(path, files, dirs)) return false;
  }
  dirs.push(dir);
  return true;
}

export class Provisioner {
  readonly #storeDir: string;
  readonly #workDir: string;
  readonly #flag: Backend | undefined;
  #backend: Promise<Backend | string> | undefined;
  /** Images being unpacked for overlay, by directory: one unpack each. */
  readonly #unpacking = new Map<string, Promise<void>>();
  /** #hasDirectory's answers, by unpacked image and path. */
  readonly #directories = new Map<string, boolean>();

  constructor(storeDir: string, workDir: string, flag: Backend | undefined) {
    this.#storeDir = storeDir;
    this.#workDir = workDir;
    this.#flag = flag;
  }

  containerDir(containerId: string): string {
    return join(this.#workDir, "provisioner", "containers", containerId);
  }

  /** Where the container's own copy of its `index`th volume's image goes (an RW image
   *  volume), removed with the container's directory. */
  volumeDir(containerId: string, index: number): string {
    return join(this.containerDir(containerId), "volumes", String(index));
  }

  /** Unpacks `image` into `dir`, whiteouts applied (the copy backend's way). */
  async copyImage(image: StoredImage, dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await copyLayers(image.layerPaths, dir);
  }

  /** The backend, or why the one asked for cannot work here. */
  #chooseBackend(): Promise<Backend | string> {
    this.#backend ??= (async () => {
      if (this.#flag === "copy") return "copy";
      await mkdir(this.#storeDir, { recursive: true });
      const fs = NO_OVERLAY_ON.get((await statfs(this.#storeDir)).type);
      if (fs === undefined) return "overlay";
      return this.#flag === "overlay"
        ? `the overlay backend cannot use a store on ${fs} (--docker_store_dir); use --image_provisioner_backend=copy`
        : "copy";
    })();
    return this.#backend;
  }

  async provision(containerId: string, image: StoredImage): Promise<ContainerRootfs> {
    const backend = await this.#chooseBackend();
    if (backend !== "overlay" && backend !== "copy") throw new Error(backend);
    const base = this.containerDir(containerId);
    // Container ids are fresh: a directory is there only when a crashed run left it.
    if (existsSync(base)) await rm(base, { recursive: true, force: true });
    const dir = join(base, "rootfs");
    const cwd = workingDir(image.config);
    if (backend === "copy") {
      await mkdir(dir, { recursive: true });
      await copyLayers(image.layerPaths, dir);
      await mkdir(join(dir, CONTAINER_SANDBOX), { recursive: true });
      await mkdir(join(dir, cwd), { recursive: true });
      return { dir, cwd };
    }
    const lower = await this.unpacked(image);
    const upper = join(base, "upper");
    const work = join(base, "work");
    // The mount options are a comma-separated list in which ':' separates lower dirs.
    for (const path of [lower, upper, work]) {
      if (/[,:]/.test(path))
        throw new Error(
          `the overlay backend cannot use '${path}' (it holds ',' or ':'); use --image_provisioner_backend=copy`,
        );
    }
    // On the launch path of every image task: a few local mkdirs, made at once rather than
    // each a round trip through the thread pool (measured: bench/images.bench.ts).
    // A directory the image already has (most have the sandbox's mount point, all their
    // WorkingDir) is not made again in the upper dir: fewer entries to remove at the end.
    mkdirSync(dir, { recursive: true });
    if (!this.#hasDirectory(lower, CONTAINER_SANDBOX))
      mkdirSync(join(upper, CONTAINER_SANDBOX), { recursive: true });
    else mkdirSync(upper);
    if (cwd !== "/" && !this.#hasDirectory(lower, cwd))
      mkdirSync(join(upper, cwd), { recursive: true });
    mkdirSync(work);
    return { dir, cwd, overlay: `lowerdir=${lower},upperdir=${upper},workdir=${work}` };
  }

  /** Whether the unpacked image `lower` has `path` as a directory, every part of it a real
   *  directory (a symlink there is hidden by a directory made in the upper dir, as before).
   *  An unpacked image never changes: remembered, up to HAS_DIRECTORY_BOUND answers. */
  #hasDirectory(lower: string, path: string): boolean {
    const key = `${lower}\0${path}`;
    const known = this.#directories.get(key);
    if (known !== undefined) return known;
    let at = lower;
    let has = true;
    for (const part of path.split("/").filter((p) => p !== "")) {
      at = join(at, part);
      has = lstatSync(at, { throwIfNoEntry: false })?.isDirectory() === true;
      if (!has) break;
    }
    if (this.#directories.size >= HAS_DIRECTORY_BOUND) this.#directories.clear();
    this.#directories.set(key, has);
    return has;
  }

  /**
   * Creates each volume's mount point in the container's view: below the sandbox on the host
   * (it is bound into the rootfs), else in the upper dir (overlay) or the rootfs (copy).
   */
  async mountTargets(
    containerId: string,
    rootfs: ContainerRootfs,
    sandboxDir: string,
    binds: readonly VolumeBind[],
  ): Promise<void> {
    const root =
      rootfs.overlay === undefined ? rootfs.dir : join(this.containerDir(containerId), "upper");
    const lower = /lowerdir=([^,]+)/.exec(rootfs.overlay ?? "")?.[1];
    for (const b of binds) {
      const inSandbox = b.to.startsWith(`${CONTAINER_SANDBOX}/`);
      // The mount point is made here, on the host: a symlink the image planted on its path
      // would take the mkdir (and the bind) out of the rootfs.
      if (!inSandbox) {
        refuseSymlinks(root, b.to);
        if (lower !== undefined) refuseSymlinks(lower, b.to);
      }
      const target = inSandbox
        ? join(sandboxDir, b.to.slice(CONTAINER_SANDBOX.length))
        : join(root, b.to);
      if (b.isDirectory) {
        await mkdir(target, { recursive: true });
      } else {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, "", { flag: "a" });
      }
      if (b.inSandbox) await mkdir(b.from, { recursive: true });
    }
  }

  /** Removes a container's directory. An overlay container's is a few entries (the upper
   *  and work dirs): removed at once, on the event loop, where fs.rm's walk through the thread
   *  pool cost the agent about 1 ms of CPU per image task (bench/images.bench.ts); a larger
   *  tree (a copy backend's rootfs, a task that wrote into its image) goes through fs.rm. */
  async removeContainerDir(containerId: string): Promise<void> {
    const base = this.containerDir(containerId);
    const files: string[] = [];
    const dirs: string[] = [];
    if (smallTree(base, files, dirs)) {
      try {
        for (const f of files) unlinkSync(f);
        for (const d of dirs) rmdirSync(d);
        return;
      } catch {
        // Changed while being removed (a process of the container still writing): fs.rm's.
      }
    }
    await rm(base, { recursive: true, force: true });
  }

  /** Removes the unpacked images (overlay lower dirs) no image in `kept` has. */
  async collect(kept: readonly StoredImage[]): Promise<void> {
    const keys = new Set(kept.map((i) => unpackKey(i)));
    const dir = join(this.#storeDir, "rootfs");
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!keys.has(name) && !this.#unpacking.has(join(dir, name))) {
        this.#directories.clear();
        await rm(join(dir, name), { recursive: true, force: true });
      }
    }
  }

  /** The image unpacked once in the store (overlay's lower dir, and image volumes' source). */
  async unpacked(image: StoredImage): Promise<string> {
    const dir = join(this.#storeDir, "rootfs", unpackKey(image));
    if (existsSync(dir)) return dir;
    let unpacking = this.#unpacking.get(dir);
    if (unpacking === undefined) {
      unpacking = (async () => {
        // Unpacked in the store's staging (swept at start after a crash), then renamed in.
        const staging = join(this.#storeDir, "staging", `rootfs-${randomBytes(6).toString("hex")}`);
        try {
          await mkdir(staging, { recursive: true });
          await copyLayers(image.layerPaths, staging);
          await mkdir(join(this.#storeDir, "rootfs"), { recursive: true });
          await rename(staging, dir);
        } finally {
          await rm(staging, { recursive: true, force: true });
        }
      })().finally(() => this.#unpacking.delete(dir));
      this.#unpacking.set(dir, unpacking);
    }
    await unpacking;
    return dir;
  }
}
