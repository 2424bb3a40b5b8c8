// A nested container with its own image (a task of a task group whose ContainerInfo names
// `mesos.image`, launched by the default executor): Mesos provisions a rootfs for each nested
// container that asks for one. Here it is a container of the containerizer itself, keyed by
// the nested id (`<parent>.<child>`), started in its image's rootfs with the parent's network
// namespace joined (a pod's tasks reach each other on localhost) and its sandbox at
// `<parent sandbox>/containers/<child>`; SANDBOX_PATH volumes of type PARENT bind the
// parent's sandbox paths (how a pod's tasks share a volume). Its own cgroups hold the
// resources LAUNCH_CONTAINER gave it. Its rootfs goes when it ends.

import { readlinkSync } from "node:fs";
import type { ContainerTermination } from "../../wire/operator-agent.ts";
import type { CommandInfo, ContainerInfo } from "../../wire/task.ts";
import type { Containerizer, ContainerResources } from "../containerizer/containerizer.ts";
import { envInImage, launchInImage, type PrepareResult } from "../images/container-images.ts";
import { commandEnv, DEFAULT_PATH, terminationOf } from "./container-process.ts";

/** The agent's image support, as nested containers use it (container-images.ts). */
export interface NestedImages {
  prepare(
    containerId: string,
    info: ContainerInfo,
    sandboxDir: string,
    parentSandboxDir: string,
  ): Promise<PrepareResult>;
  release(containerId: string): Promise<void>;
}

export interface NestedImageLaunch {
  /** The containerizer's id of the container: the nested id's key. */
  readonly key: string;
  readonly command: CommandInfo | undefined;
  readonly container: ContainerInfo;
  readonly resources: ContainerResources;
  readonly sandboxDir: string;
  readonly parentSandboxDir: string;
  /** The root container's first process, whose network namespace is joined. */
  readonly rootPid: number;
}

export interface NestedImageStarted {
  readonly pid: number;
  readonly termination: Promise<ContainerTermination>;
}

function netns(pid: number | "self"): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

/** Starts the container, or says why not (Mesos's launch failure message). */
export async function launchNestedInImage(
  images: NestedImages,
  containerizer: Containerizer,
  l: NestedImageLaunch,
): Promise<NestedImageStarted | string> {
  const prepared = await images.prepare(l.key, l.container, l.sandboxDir, l.parentSandboxDir);
  if (!prepared.ok) return `Failed to launch nested container: ${prepared.message}`;
  // No value: the image's Entrypoint and Cmd (a shell needs a value).
  const value = l.command?.value ?? "";
  const inImage = launchInImage(prepared.image, {
    shell: value === "" ? false : (l.command?.shell ?? true),
    value,
    arguments: l.command?.arguments ?? [],
  });
  if (!inImage.ok) {
    await images.release(l.key);
    return `Failed to launch nested container: ${inImage.message}`;
  }
  const env = envInImage(prepared.image, { PATH: DEFAULT_PATH }, commandEnv(l.command));
  const parentNet = netns(l.rootPid);
  const started = await containerizer.launch(l.key, {
    sandboxDir: l.sandboxDir,
    command: inImage.command,
    env,
    resources: l.resources,
    rootfs: inImage.rootfs,
    // The parent's own network (a CNI one); on the host's there is nothing to join.
    network:
      parentNet !== undefined && parentNet !== netns("self")
        ? { netnsPath: `/proc/${l.rootPid}/ns/net`, files: [] }
        : undefined,
  });
  if (!started.ok) {
    await images.release(l.key);
    return `Failed to launch nested container: ${started.message}`;
  }
  const termination = containerizer.wait(l.key).then(async (t) => {
    await images.release(l.key);
    return t.ok ? terminationOf(t.value.waitStatus, t.value.limitation) : {};
  });
  return { pid: started.value.pid, termination };
}
