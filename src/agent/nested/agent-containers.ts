// The containers the agent's operator API launches itself (reference §4.4): standalone
// containers (LAUNCH_CONTAINER without a parent: a top-level container of the containerizer,
// with its own cgroups and sandbox `<work_dir>/containers/<id>`) and nested containers
// (LAUNCH_NESTED_CONTAINER, LAUNCH_CONTAINER with a parent, LAUNCH_NESTED_CONTAINER_SESSION):
// child processes inside their root container's cgroups and namespaces (parent-isolation.ts),
// sandboxes at `<root sandbox>/containers/<child>[/containers/<grandchild>…]`, their standard
// streams held by the agent (container-io.ts).
//
// Mesos behaviours matched: a nested container needs a live parent ("Parent container … does
// not exist"); launching an id that runs is ALREADY_LAUNCHED (202); a DEBUG container (a
// session) shares its parent's sandbox, working directory and environment, a DEFAULT one gets
// its own sandbox and MESOS_SANDBOX; a container's end ends its nested ones; an ended container
// answers WAIT at once until REMOVE, which refuses a running one ("Nested container has not
// terminated yet") and deletes the sandbox. Not matched: these containers are not checkpointed,
// so they are destroyed when the agent stops rather than recovered by the next one.

import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { ContainerID } from "../../wire/ids.ts";
import type { ContainerTermination } from "../../wire/operator-agent.ts";
import type { Resource } from "../../wire/resource.ts";
import type { CommandInfo, ContainerInfo } from "../../wire/task.ts";
import type { ResourceStatistics } from "../../wire/usage.ts";
import type { Containerizer, ContainerResources } from "../containerizer/containerizer.ts";
import { findTool } from "../containerizer/namespaces-detect.ts";
import { waitStatusOf } from "../containerizer/termination.ts";
import { ContainerIO, type OutputSink, tailFiles } from "./container-io.ts";
import {
  commandArgv,
  commandEnv,
  commandSpec,
  DEFAULT_PATH,
  environOf,
  signalGroup,
  terminationOf,
  userSwitch,
} from "./container-process.ts";
import { launchNestedInImage, type NestedImages } from "./image-container.ts";
import { parentIsolation, wrapArgv } from "./parent-isolation.ts";

/** How long a nested container's output may stay open after its first process ended. */
export const OUTPUT_DRAIN_MAX_MS = 2_000;
/** Ended containers kept for WAIT until REMOVE; past this the oldest are forgotten. */
export const MAX_ENDED_CONTAINERS = 1024;

export type ContainerClass = "DEFAULT" | "DEBUG";

/** An executor's container, as the agent's core knows it. */
export interface ExecutorContainer {
  readonly frameworkId: string;
  readonly executorId: string;
  readonly sandboxDir: string;
  /** Its first process (the pid file), undefined while it is not known. */
  readonly pid: number | undefined;
}

export interface ContainersHost {
  readonly workDir: string;
  readonly containerizer: Containerizer;
  /** Where filesystem/linux shows a container's sandbox inside it, or null when it is off. */
  readonly sandboxMountPoint: string | null;
  /** A running executor container, by id. */
  executorContainer(containerId: string): ExecutorContainer | undefined;
  /** The cgroup limits of a standalone container's LAUNCH_CONTAINER resources. */
  containerResources(resources: readonly Resource[]): ContainerResources;
  readonly logger: Logger;
  /** Image support for nested containers with their own image; absent: refused. */
  readonly images?: NestedImages | undefined;
}

export interface LaunchRequest {
  readonly containerId: ContainerID;
  readonly command: CommandInfo | undefined;
  readonly resources: readonly Resource[];
  readonly container: ContainerInfo | undefined;
  readonly class: ContainerClass;
}

/** LAUNCH_*'s answer: 200 launched, 202 already running, 400 refused with Mesos's message. */
export type LaunchResult = { status: 200 | 202 } | { status: 400; message: string };

interface Entry {
  readonly id: ContainerID;
  readonly cls: ContainerClass;
  /** Host path of its sandbox (a DEBUG container's is its parent's). */
  readonly sandboxDir: string;
  readonly pid: number;
  /** The agent holds its pipes (nested containers); standalone ones write their own files. */
  readonly io: ContainerIO | null;
  /** Its id in the containerizer (standalone containers and nested ones in an image), else
   *  null: a process of its root container's. */
  readonly containerizerId: string | null;
  readonly termination: Promise<ContainerTermination>;
  ended: ContainerTermination | undefined;
}

/** Mesos's `stringify(ContainerID)`: the ids from the root down, joined by dots. */
export function containerKey(id: ContainerID): string {
  return id.parent === undefined ? id.value : `${containerKey(id.parent)}.${id.value}`;
}

function rootOf(id: ContainerID): ContainerID {
  return id.parent === undefined ? id : rootOf(id.parent);
}

/** `containers/<a>/containers/<b>`: a nested container's sandbox below its root's. */
function nestedSegments(id: ContainerID): string[] {
  return id.parent === undefined ? [] : [...nestedSegments(id.parent), "containers", id.value];
}

export class AgentContainers {
  readonly #entries = new Map<string, Entry>();
  /** Roots whose end is watched, to end their nested containers with them. */
  readonly #watchedRoots = new Set<string>();
  readonly #tools = { sh: findTool("sh") ?? "/bin/sh", nsenter: findTool("nsenter") };
  #closed = false;

  constructor(private readonly host: ContainersHost) {}

  /** Whether the agent launched this container through its API (not an executor's). */
  owns(id: ContainerID): boolean {
    return this.#entries.has(containerKey(id));
  }

  /** The first process of a running container (an executor's or one launched here). */
  pidOf(id: ContainerID): number | undefined {
    if (id.parent === undefined) {
      const executor = this.host.executorContainer(id.value);
      if (executor !== undefined) return executor.pid;
    }
    return this.live(id)?.pid;
  }

  /** A live container's sandbox and standard streams, for ATTACH_CONTAINER_*. */
  live(id: ContainerID): Entry | undefined {
    const entry = this.#entries.get(containerKey(id));
    return entry?.ended === undefined ? entry : undefined;
  }

  async launch(request: LaunchRequest): Promise<LaunchResult> {
    const info = request.container;
    if (info?.type !== undefined && info.type !== "MESOS") {
      return { status: 400, message: "The provided ContainerInfo is not supported" };
    }
    const images = this.host.images;
    const inImage =
      info?.mesos?.image !== undefined &&
      request.containerId.parent !== undefined &&
      request.class === "DEFAULT" &&
      images !== undefined;
    if ((info?.mesos?.image !== undefined && !inImage) || info?.tty_info !== undefined) {
      // Images of standalone and DEBUG containers, and terminals, are not built: refused.
      return {
        status: 400,
        message: `The provided ContainerInfo is not supported: Tessera's agent launches ${info?.tty_info === undefined ? "container images only for nested DEFAULT containers" : "no terminal (tty_info)"}`,
      };
    }
    const key = containerKey(request.containerId);
    if (this.live(request.containerId) !== undefined) return { status: 202 };
    if (!inImage && (request.command?.value ?? "") === "") {
      // Mesos would run the image's entrypoint; without images there is nothing to run.
      return { status: 400, message: "Expecting 'command.value' to be set (no image to run)" };
    }
    const id = request.containerId;
    if (id.parent === undefined && this.host.executorContainer(id.value) !== undefined) {
      return { status: 202 };
    }
    if (this.#closed) return { status: 400, message: "The agent is shutting down" };
    const launched =
      id.parent === undefined
        ? await this.#launchStandalone(request)
        : inImage
          ? await this.#launchNestedImage(request, images)
          : this.#launchNested(request);
    if (typeof launched === "string") return { status: 400, message: launched };
    this.#remember(key, launched);
    return { status: 200 };
  }

  #remember(key: string, entry: Entry): void {
    this.#entries.set(key, entry);
    void entry.termination.then((t) => {
      entry.ended = t;
      this.#endDescendants(key);
      const ended = [...this.#entries].filter(([, e]) => e.ended !== undefined);
      for (const [k] of ended.slice(0, Math.max(0, ended.length - MAX_ENDED_CONTAINERS))) {
        this.#entries.delete(k);
      }
    });
  }

  async #launchStandalone(request: LaunchRequest): Promise<Entry | string> {
    const { containerId, command } = request;
    const sandboxDir = join(this.host.workDir, "containers", containerId.value);
    const started = await this.host.containerizer.launch(containerId.value, {
      sandboxDir,
      command: commandSpec(command),
      env: { PATH: DEFAULT_PATH, MESOS_SANDBOX: sandboxDir, ...commandEnv(command) },
      user: command?.user,
      resources: this.host.containerResources(request.resources),
    });
    if (!started.ok) return started.message;
    const termination = this.host.containerizer
      .wait(containerId.value)
      .then((t) => (t.ok ? terminationOf(t.value.waitStatus, t.value.limitation) : {}));
    return {
      id: containerId,
      cls: request.class,
      sandboxDir,
      pid: started.value.pid,
      io: null,
      containerizerId: containerId.value,
      termination,
      ended: undefined,
    };
  }

  /** A nested DEFAULT container in its own image (image-container.ts). */
  async #launchNestedImage(request: LaunchRequest, images: NestedImages): Promise<Entry | string> {
    const id = request.containerId;
    const parent = id.parent!;
    const root = this.#root(rootOf(id));
    const parentLive = parent.parent === undefined ? root : this.live(parent);
    if (root === undefined || parentLive === undefined) {
      return `Parent container ${containerKey(parent)} does not exist`;
    }
    const sandboxDir = join(root.sandboxDir, ...nestedSegments(id));
    const key = containerKey(id);
    const started = await launchNestedInImage(images, this.host.containerizer, {
      key,
      command: request.command,
      container: request.container!,
      resources: this.host.containerResources(request.resources),
      sandboxDir,
      parentSandboxDir: join(root.sandboxDir, ...nestedSegments(parent)),
      rootPid: root.pid,
    });
    if (typeof started === "string") return started;
    const { pid, termination } = started;
    return {
      id,
      cls: "DEFAULT",
      sandboxDir,
      pid,
      io: null,
      containerizerId: key,
      termination,
      ended: undefined,
    };
  }

  /** The root container's sandbox and first process, if it runs. */
  #root(root: ContainerID): { sandboxDir: string; pid: number } | undefined {
    const executor = this.host.executorContainer(root.value);
    if (executor !== undefined) {
      if (executor.pid === undefined) return undefined;
      this.#watchRoot(root.value);
      return { sandboxDir: executor.sandboxDir, pid: executor.pid };
    }
    const standalone = this.live(root);
    return standalone === undefined ? undefined : standalone;
  }

  #launchNested(request: LaunchRequest): Entry | string {
    const id = request.containerId;
    const parent = id.parent!;
    const parentKey = containerKey(parent);
    const root = this.#root(rootOf(id));
    const parentLive = parent.parent === undefined ? root : this.live(parent);
    if (root === undefined || parentLive === undefined) {
      return `Parent container ${parentKey} does not exist`;
    }
    const debug = request.class === "DEBUG";
    const mountPoint = this.host.sandboxMountPoint;
    const isolation = parentIsolation(root.pid);
    const inMountNs = isolation.enter?.mnt_ns === true && mountPoint !== null;
    const parentSegments = nestedSegments(parent);
    const segments = debug ? parentSegments : nestedSegments(id);
    const sandboxDir = join(root.sandboxDir, ...segments);
    const innerSandbox = inMountNs ? join(mountPoint, ...segments) : sandboxDir;
    try {
      if (!debug) mkdirSync(sandboxDir, { recursive: true });
    } catch (error) {
      return `Failed to create nested sandbox '${sandboxDir}': ${(error as Error).message}`;
    }
    // DEBUG containers inherit the parent's environment (MESOS_SANDBOX included).
    const env = debug
      ? { ...environOf(root.pid), ...commandEnv(request.command) }
      : { PATH: DEFAULT_PATH, MESOS_SANDBOX: innerSandbox, ...commandEnv(request.command) };
    env.PATH ??= DEFAULT_PATH;
    const argv = [...userSwitch(root.pid), ...commandArgv(request.command, this.#tools.sh)];
    const wrapped = wrapArgv(isolation, this.#tools, argv, inMountNs ? innerSandbox : undefined);
    if (wrapped.missing !== undefined) {
      return `Cannot enter the parent container's namespaces: ${wrapped.missing} is missing`;
    }
    const [file, ...args] = wrapped.argv;
    let child: ChildProcess;
    try {
      child = spawn(file!, args, {
        cwd: sandboxDir,
        env,
        // Its own process group, so that a kill reaches everything it started.
        detached: true,
        stdio: ["pipe", "pipe", "pipe"],
      });
    } catch (error) {
      return `Failed to launch nested container: ${(error as Error).message}`;
    }
    if (child.pid === undefined) {
      child.on("error", () => {});
      return "Failed to launch nested container: the process did not start";
    }
    const pid = child.pid;
    const files = debug
      ? null
      : {
          stdout: createWriteStream(join(sandboxDir, "stdout"), { flags: "a" }),
          stderr: createWriteStream(join(sandboxDir, "stderr"), { flags: "a" }),
        };
    const io = new ContainerIO(child.stdout!, child.stderr!, child.stdin!, files);
    const termination = new Promise<ContainerTermination>((resolve) => {
      child.once("exit", (code, signal) => {
        // The container is its whole process group: what its first process left is killed,
        // which also closes the pipes it held; it has ended once its output is all written.
        signalGroup(pid, "SIGKILL");
        const ended = terminationOf(waitStatusOf(code, signal), undefined);
        // A process that left the group (setsid) may hold the pipes open: their end is waited
        // for a bounded time, then they are cut, so that WAIT never hangs on it.
        const cut = setTimeout(() => {
          for (const pipe of [child.stdout, child.stderr, child.stdin]) pipe?.destroy();
        }, OUTPUT_DRAIN_MAX_MS);
        void io.drained.then(() => {
          clearTimeout(cut);
          resolve(ended);
        });
      });
    });
    const ended = undefined;
    return {
      id,
      cls: request.class,
      sandboxDir,
      pid,
      io,
      containerizerId: null,
      termination,
      ended,
    };
  }

  #watchRoot(rootValue: string): void {
    if (this.#watchedRoots.has(rootValue)) return;
    this.#watchedRoots.add(rootValue);
    void this.host.containerizer.wait(rootValue).then(() => {
      this.#watchedRoots.delete(rootValue);
      this.#endDescendants(rootValue);
    });
  }

  /** A container ended: so do the containers nested in it (Mesos destroys them first). */
  #endDescendants(key: string): void {
    for (const [k, entry] of this.#entries) {
      if (k.startsWith(`${key}.`) && entry.ended === undefined) signalGroup(entry.pid, "SIGKILL");
    }
  }

  /** WAIT_*: how it ended (once it has), or undefined for a container not launched here. */
  wait(id: ContainerID): Promise<ContainerTermination> | undefined {
    return this.#entries.get(containerKey(id))?.termination;
  }

  /** KILL_*: false for a container not running (Mesos: "cannot be found (or is already killed)"). */
  async kill(id: ContainerID, signal: number | undefined): Promise<boolean> {
    const entry = this.live(id);
    if (entry === undefined) return false;
    // The signal itself (SIGKILL unless given), to the container's process group, as Mesos's
    // containerizer kill sends it; the containerizer's destroy() would send SIGTERM first.
    signalGroup(entry.pid, signal ?? "SIGKILL");
    return true;
  }

  /** REMOVE_*: Mesos's refusal (a 500), or undefined once its sandbox is gone. */
  remove(id: ContainerID): string | undefined {
    const key = containerKey(id);
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.ended === undefined) {
      return "Nested container has not terminated yet";
    }
    const root = rootOf(id);
    const rootKnown =
      this.host.executorContainer(root.value) !== undefined ||
      this.#entries.has(root.value) ||
      entry !== undefined;
    if (!rootKnown) return "Unknown root container";
    if (entry === undefined) return undefined;
    try {
      // A DEBUG container's sandbox is its parent's: nothing of its own to delete.
      if (entry.cls === "DEFAULT") rmSync(entry.sandboxDir, { recursive: true, force: true });
    } catch (error) {
      return `Failed to remove the sandbox directory: ${(error as Error).message}`;
    }
    this.#entries.delete(key);
    return undefined;
  }

  /** The running containers launched here, for GET_CONTAINERS. */
  list(which: { nested: boolean; standalone: boolean }): ListedContainer[] {
    const out: ListedContainer[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.ended !== undefined) continue;
      const nested = entry.id.parent !== undefined;
      const root = rootOf(entry.id).value;
      const executor = this.host.executorContainer(root);
      const standalone = executor === undefined;
      if ((nested && !which.nested) || (standalone && !which.standalone)) continue;
      const own = entry.containerizerId;
      const usage = own === null ? undefined : this.host.containerizer.usage(own);
      out.push({
        id: entry.id,
        ...(executor === undefined ? {} : { executor }),
        ...(usage?.ok === true ? { usage: usage.value } : {}),
      });
    }
    return out;
  }

  /** Whether the container runs with output to follow (ATTACH_CONTAINER_OUTPUT's 404). */
  hasOutput(id: ContainerID): boolean {
    if (this.live(id) !== undefined) return true;
    return id.parent === undefined && this.host.executorContainer(id.value) !== undefined;
  }

  /** Follows a live container's output; why not when there is none to follow. */
  attachOutput(id: ContainerID, sink: OutputSink): (() => void) | "not_found" | "busy" {
    const entry = this.live(id);
    if (entry !== undefined && entry.io !== null) return entry.io.attachOutput(sink) ?? "busy";
    const paths =
      entry !== undefined
        ? entry.sandboxDir
        : id.parent === undefined
          ? this.host.executorContainer(id.value)?.sandboxDir
          : undefined;
    if (paths === undefined) return "not_found";
    const ended =
      entry?.termination ?? this.host.containerizer.wait(id.value).then(() => undefined);
    return tailFiles({ stdout: join(paths, "stdout"), stderr: join(paths, "stderr") }, ended, sink);
  }

  /** Destroys every container launched here (they are not recovered by the next agent). */
  async close(): Promise<void> {
    this.#closed = true;
    const live = [...this.#entries.values()].filter((e) => e.ended === undefined);
    for (const entry of live) {
      if (entry.containerizerId === null) signalGroup(entry.pid, "SIGKILL");
      else await this.host.containerizer.destroy(entry.containerizerId, { gracePeriodMs: 0 });
    }
    await Promise.all(live.map((e) => e.termination));
  }
}

export interface ListedContainer {
  readonly id: ContainerID;
  readonly executor?: ExecutorContainer;
  readonly usage?: ResourceStatistics;
}
