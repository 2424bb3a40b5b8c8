// The ContainerInfo of an app's tasks (Marathon's `container`, containers.md §1, §3): DOCKER
// with its image, MESOS with a Docker image (`forcePullImage` is `cached: false`), and
// host-path volumes in the legacy form. The agent either runs it from the image or fails the
// task with REASON_CONTAINER_LAUNCH_FAILED; it is never dropped, which would run the app's
// command on the host as if the image were there.
import type { TaskInfoInput } from "../../sdk/offer-matching.ts";
import type { AppDefinition } from "./app-definition.ts";

type ContainerInput = NonNullable<TaskInfoInput["container"]>;
type VolumeInput = NonNullable<ContainerInput["volumes"]>[number];

function hostVolumes(app: AppDefinition): VolumeInput[] {
  const out: VolumeInput[] = [];
  for (const v of app.container?.volumes ?? []) {
    // Persistent volumes are resources (disk.volume), not ContainerInfo volumes.
    if (typeof v.hostPath !== "string") continue;
    out.push({
      container_path: v.containerPath,
      host_path: v.hostPath,
      mode: v.mode === "RO" ? "RO" : "RW",
    });
  }
  return out;
}

/** The task's ContainerInfo, or undefined when the app names no container. */
export function taskContainer(app: AppDefinition): ContainerInput | undefined {
  const container = app.container;
  if (container === undefined) return undefined;
  const docker = container.docker;
  const volumes = hostVolumes(app);
  const bridge = app.networks.some((n) => n.mode === "container/bridge");
  if (container.type === "DOCKER" && docker !== undefined) {
    return {
      type: "DOCKER",
      docker: {
        image: docker.image,
        network: bridge ? "BRIDGE" : "HOST",
        privileged: docker.privileged,
        force_pull_image: docker.forcePullImage,
        ...(docker.parameters === undefined ? {} : { parameters: docker.parameters }),
      },
      volumes,
    };
  }
  return {
    type: "MESOS",
    ...(docker === undefined
      ? {}
      : {
          mesos: {
            image: {
              type: "DOCKER",
              docker: { name: docker.image },
              cached: !docker.forcePullImage,
            },
          },
        }),
    volumes,
  };
}
