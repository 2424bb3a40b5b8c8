// The persistent volumes' directories (containers.md §5): created when a volume first appears
// in the agent's checkpointed resources, deleted only when a DESTROY takes it out (a MOUNT
// disk keeps its root, emptied). Tasks ending, agent restarts and master failovers leave them
// alone. Run by the checkpoint write of the resources, before the file is replaced.
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Resource } from "../../wire/resource.ts";
import { type VolumePlace, volumePath, volumePlace } from "../core/volume-paths.ts";

function volumesOf(workDir: string, list: readonly Resource[]): Map<string, VolumePlace> {
  const out = new Map<string, VolumePlace>();
  for (const r of list) {
    const place = volumePlace(r);
    if (place !== undefined) out.set(volumePath(workDir, place), place);
  }
  return out;
}

/**
 * Brings the volume directories in line with a new checkpoint: new volumes get their
 * directory, destroyed ones lose it (a MOUNT disk keeps its root, emptied). Returns the paths
 * removed. Throws what the file system threw (the checkpoint write then fails, and says why).
 */
export async function syncVolumeDirs(
  workDir: string,
  before: readonly Resource[],
  after: readonly Resource[],
): Promise<string[]> {
  const old = volumesOf(workDir, before);
  const now = volumesOf(workDir, after);
  for (const path of now.keys()) await mkdir(path, { recursive: true });
  const removed: string[] = [];
  for (const [path, place] of old) {
    if (now.has(path)) continue;
    if (place.sourceType === "MOUNT") {
      const entries = await readdir(path).catch(() => [] as string[]);
      for (const entry of entries) await rm(join(path, entry), { recursive: true, force: true });
    } else {
      await rm(path, { recursive: true, force: true });
    }
    removed.push(path);
  }
  return removed;
}
