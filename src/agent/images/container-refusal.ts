// What the Mesos containerizer of this agent cannot run yet, refused before anything of the
// container exists. A ContainerInfo that names an image (type DOCKER, `mesos.image`, an image
// volume) or container volumes (mounted only into images, image-volumes.ts) must never run its command on the host's root file system as
// if the image were there: it ends TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED and a
// message saying what to change. Mesos itself refuses an image when `--image_providers` is
// unset ("No image providers enabled"); Tessera has no image provider yet (issue 15).
import type { ContainerInfo } from "../../wire/container.ts";
import type { Image } from "../../wire/volume.ts";

function imageName(image: Image): string {
  return image.docker?.name ?? image.appc?.name ?? "(unnamed)";
}

/** Why `info` cannot run on this agent, or undefined when it can (no container, or a MESOS
 *  container with neither image nor volumes: Mesos runs that on the host file system). */
export function containerRefusal(info: ContainerInfo | undefined): string | undefined {
  if (info === undefined) return undefined;
  if (info.type === "DOCKER") {
    const name = info.docker?.image ?? "(no image)";
    return (
      `ContainerInfo type DOCKER (image '${name}') needs an image, and this agent runs no ` +
      "Docker containerizer and no image provider: the task was not run on the host; run it " +
      "without a ContainerInfo to run on the host"
    );
  }
  const image = info.mesos?.image;
  if (image !== undefined) {
    return (
      `Container image '${imageName(image)}' cannot be provisioned: this agent has no image ` +
      "provider (--image_providers); the task was not run on the host"
    );
  }
  // The ExecutorInfo reaches here as given on the wire: repeated fields may be absent.
  const volumes = info.volumes ?? [];
  const volume = volumes.find((v) => v.image !== undefined);
  if (volume?.image !== undefined) {
    return (
      `Image volume '${imageName(volume.image)}' at '${volume.container_path}' cannot be ` +
      "provisioned: this agent has no image provider (--image_providers)"
    );
  }
  const first = volumes[0];
  if (first !== undefined) {
    return (
      `ContainerInfo volumes (the first at '${first.container_path}') are not mounted by ` +
      "this agent's Mesos containerizer yet: the task was not run without them"
    );
  }
  return undefined;
}
