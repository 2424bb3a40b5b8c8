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
import type {
  Containerizer,
  ContainerResources,
  ContainerRootfs,
} from "../containerizer/containerizer.ts";
import type { CommandSpec } from "../containerizer/launcher.ts";
import { commandEnv, DEFAULT_PATH, terminationOf } from "./container-process.ts";

/** What runs in a nested container's image: the merged command, environment and rootfs. */
export type NestedImageSpec =
  | {
      readonly ok: true;
      readonly command: CommandSpec;
      readonly env: Record<string, string>;
      readonly rootfs: ContainerRootfs | undefined;
    }
  | { readonly ok: false; readonly message: string };

/**
 * The agent's image support, as nested containers use it (the agent's container-images.ts,
 * handed in: this folder lies below it).
 */
export interface NestedImages {
  /**
   * Provisions the container's image and merges the command and environment with the
   * image's config; a failure after provisioning releases what was provisioned.
   */
  prepareNested(
    containerId: string,
    info: ContainerInfo,
    dirs: { readonly sandboxDir: string; readonly parentSandboxDir: string },
    command: CommandSpec,
    env: { readonly agent: Record<string, string>; readonly command: Record<string, string> },
  ): Promise<NestedImageSpec>;
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
  // No value: the image's Entrypoint and Cmd (a shell needs a value).
  const value = l.command?.value ?? "";
  const inImage = await images.prepareNested(
    l.key,
    l.container,
    { sandboxDir: l.sandboxDir, parentSandboxDir: l.parentSandboxDir },
    {
      shell: value === "" ? false : (l.command?.shell ?? true),
      value,
      arguments: l.command?.arguments ?? [],
    },
    { agent: { PATH: DEFAULT_PATH }, command: commandEnv(l.command) },
  );
  if (!inImage.ok) return `Failed to launch nested container: ${inImage.message}`;
  const env = inImage.env;
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
