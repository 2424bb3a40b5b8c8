// Where a persistent volume's data lives on the agent (containers.md §5, reference §8.2):
//
//   ROOT disk (no source):  <work_dir>/volumes/roles/<role>/<persistence id>
//   PATH disk:              <source.path.root>/volumes/roles/<role>/<persistence id>
//   MOUNT disk:             <source.mount.root>, used whole
//
// A role's '/' is written as ' ', as Mesos does, so that a nested role stays one directory.
// Pure path functions, shared by the checkpoint shell (which creates and deletes the
// directories) and the containerizer's volume mounts.
import { join } from "node:path/posix";
import type { Resource } from "../../wire/resource.ts";

/** The parts of a persistent volume resource that place it. */
export interface VolumePlace {
  readonly role: string;
  readonly id: string;
  readonly sourceType: "ROOT" | "PATH" | "MOUNT";
  /** PATH/MOUNT root. */
  readonly root: string | undefined;
  readonly containerPath: string | undefined;
  readonly mode: "RW" | "RO";
}

export function volumePlace(r: Resource): VolumePlace | undefined {
  const id = r.disk?.persistence?.id;
  if (r.name !== "disk" || id === undefined) return undefined;
  const reservations = r.reservations ?? [];
  const role =
    reservations[reservations.length - 1]?.role ??
    (r.role !== undefined && r.role !== "*" ? r.role : "*");
  const source = r.disk?.source;
  const sourceType = source?.type === "PATH" || source?.type === "MOUNT" ? source.type : "ROOT";
  const root = sourceType === "PATH" ? source?.path?.root : source?.mount?.root;
  return {
    role,
    id,
    sourceType,
    root,
    containerPath: r.disk?.volume?.container_path,
    mode: r.disk?.volume?.mode === "RO" ? "RO" : "RW",
  };
}

/** Where the volume's data lives on the host. */
export function volumePath(workDir: string, place: VolumePlace): string {
  if (place.sourceType === "MOUNT" && place.root !== undefined) return place.root;
  const base = place.sourceType === "PATH" && place.root !== undefined ? place.root : workDir;
  return join(base, "volumes", "roles", place.role.replaceAll("/", " "), place.id);
}
