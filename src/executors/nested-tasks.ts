// How the default executor runs a task that has its own image: as a nested container of the
// executor's container, through the agent's operator API (reference §3.6, §4.4), as Mesos's
// default executor runs every task: LAUNCH_CONTAINER (the executor's container as parent, the
// task's command, ContainerInfo and resources), WAIT_CONTAINER for its end (a long poll),
// KILL_CONTAINER with a signal. The agent provisions the image's rootfs, joins the executor's
// network and binds SANDBOX_PATH PARENT volumes from the executor's sandbox
// (src/agent/nested/image-container.ts). Operating errors come back as messages.
import { randomUUID } from "node:crypto";
import { constants } from "node:os";
import { postCall } from "../http/client.ts";
import { readExecutorEnv } from "../sdk/executor-env.ts";
import type { ContainerID } from "../wire/ids.ts";
import type { TaskInfo } from "../wire/task.ts";

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/** Whether a task runs in a nested container of its own: it names an image. */
export function needsOwnContainer(info: TaskInfo): boolean {
  return info.container?.mesos?.image !== undefined;
}

/** Why the task cannot run as asked (it must not run without what it asked for), if so. */
export function taskRefusal(info: TaskInfo): string | undefined {
  const container = info.container;
  if (container === undefined) return undefined;
  // Mesos's master refuses it for a task of a task group with the same words.
  if (container.type === "DOCKER") return "Docker ContainerInfo is not supported on the task";
  if (!needsOwnContainer(info) && (container.volumes ?? []).length > 0) {
    return (
      "ContainerInfo volumes of a task without an image of its own are not mounted by the " +
      "default executor: the task was not run without them"
    );
  }
  return undefined;
}

export interface NestedEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class NestedTasks {
  readonly #url: string;
  readonly #headers: Record<string, string>;

  constructor(env: Readonly<Record<string, string | undefined>> = process.env) {
    const read = readExecutorEnv(env);
    if (!read.ok) throw new Error(read.message);
    this.#url = read.value.agentUrl.replace(/\/api\/v1\/executor$/, "/api/v1");
    const token = read.value.authenticationToken;
    this.#headers = token === undefined ? {} : { Authorization: `Bearer ${token}` };
  }

  async #call(body: unknown): Promise<{ status: number; body: string }> {
    try {
      return await postCall(this.#url, JSON.stringify(body), { headers: this.#headers });
    } catch (error) {
      return { status: 0, body: String(error) };
    }
  }

  /** Launches the task's container below `parent`; its id, or why it did not start. */
  async launch(
    parent: ContainerID,
    info: TaskInfo,
  ): Promise<{ ok: true; id: ContainerID } | { ok: false; message: string }> {
    const id = { value: randomUUID(), parent };
    const res = await this.#call({
      type: "LAUNCH_CONTAINER",
      launch_container: {
        container_id: id,
        ...(info.command === undefined ? {} : { command: info.command }),
        ...(info.container === undefined ? {} : { container: info.container }),
        resources: info.resources ?? [],
      },
    });
    if (res.status === 200) return { ok: true, id };
    return { ok: false, message: res.body === "" ? `agent answered ${res.status}` : res.body };
  }

  /** Waits for the container's end: its exit code or signal (both null when not known). */
  async wait(id: ContainerID): Promise<NestedEnd> {
    const res = await this.#call({ type: "WAIT_CONTAINER", wait_container: { container_id: id } });
    if (res.status !== 200) return { code: null, signal: null };
    let status: number | undefined;
    try {
      status = JSON.parse(res.body).wait_container?.exit_status;
    } catch {
      return { code: null, signal: null };
    }
    if (typeof status !== "number") return { code: null, signal: null };
    // A wait status, as waitpid() gives it.
    const signal = status & 0x7f;
    if (signal === 0) return { code: (status >> 8) & 0xff, signal: null };
    return { code: null, signal: SIGNAL_NAMES.get(signal) ?? "SIGKILL" };
  }

  /** Sends `signal` to the container's processes (best effort: it may have ended). */
  async kill(id: ContainerID, signal: NodeJS.Signals): Promise<void> {
    await this.#call({
      type: "KILL_CONTAINER",
      kill_container: { container_id: id, signal: constants.signals[signal] },
    });
  }
}
