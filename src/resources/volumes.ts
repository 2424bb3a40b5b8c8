// What a persistent volume is made from (Mesos's `Resources::stripPersistentVolume` idea): a
// ROOT disk loses its DiskInfo, a PATH or MOUNT disk keeps its source; either way the
// persistence, the volume and sharing go. CREATE consumes this, DESTROY gives it back, and
// the agent subtracts it from its flags' resources for each volume it has checkpointed.
import { diskInfo, type Resource, withOptions } from "./resource.ts";

export function stripPersistentVolume(r: Resource): Resource {
  if (r.disk === undefined) return r.shared ? withOptions(r, { shared: false }) : r;
  const { persistence: _p, volume: _v, ...rest } = r.disk.info as Record<string, unknown>;
  const disk = rest.source === undefined ? undefined : diskInfo(rest);
  return withOptions(r, { disk, shared: false });
}
