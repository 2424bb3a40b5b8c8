// The copy provisioner backend (containers.md §2, backends/copy): each layer, base first, is
// unpacked over one directory. Whiteouts are applied first: `.wh.X` deletes X from the layers
// below, `.wh..wh..opq` empties its directory of what the layers below put there; the
// markers themselves are never unpacked. Layers may be plain or gzip tarballs (tar detects it).
import { readdir, rm } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import * as tar from "tar";

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";

async function whiteouts(layer: string): Promise<{ deleted: string[]; opaque: string[] }> {
  const deleted: string[] = [];
  const opaque: string[] = [];
  await tar.t({
    file: layer,
    onReadEntry: (entry) => {
      const path = normalize(entry.path).replace(/^\/+/, "");
      const base = path.slice(path.lastIndexOf("/") + 1);
      if (base === OPAQUE) opaque.push(dirname(path));
      else if (base.startsWith(WHITEOUT))
        deleted.push(join(dirname(path), base.slice(WHITEOUT.length)));
    },
  });
  return { deleted, opaque };
}

async function emptyDirectory(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) await rm(join(dir, name), { recursive: true, force: true });
}

/** Unpacks `layers` (base first) into `rootfs`, which must exist and be empty. */
export async function copyLayers(layers: readonly string[], rootfs: string): Promise<void> {
  for (const layer of layers) {
    const { deleted, opaque } = await whiteouts(layer);
    for (const dir of opaque) await emptyDirectory(join(rootfs, dir));
    for (const path of deleted) await rm(join(rootfs, path), { recursive: true, force: true });
    await tar.x({
      file: layer,
      cwd: rootfs,
      strict: true,
      preservePaths: false,
      // A later layer may replace a directory by a symlink or file (MESOS-5028).
      unlink: true,
      filter: (path) => !path.slice(path.lastIndexOf("/") + 1).startsWith(WHITEOUT),
    });
  }
}
