// An app's last task failure on the services page (Marathon UI's "Debug" tab): when and how the
// task ended, where, which version it ran, and the last TAIL_BYTES of its stdout and stderr,
// read through the master's files relay (the browser never talks to an agent), with a link to
// the whole sandbox.
import { type ComponentChild, h } from "preact";
import { useEffect, useState } from "preact/hooks";
import { authFetch } from "./auth.ts";
import type { ClusterModel } from "./model.ts";
import { filesUrl, runDirectory, sandboxHref } from "./sandbox.ts";

/** How much of the end of each output is shown (the Mesos UI's viewer opens on its last 32 KiB). */
const TAIL_BYTES = 4 * 1024;

export interface TaskFailure {
  appId?: string;
  taskId: string;
  state: string;
  message: string;
  timestamp: string;
  host?: string;
  slaveId: string;
  version?: string;
}

interface Chunk {
  data: string;
  offset: number;
}

/** The last `bytes` of a file: its size first (offset -1), then the read up to its end. */
async function tail(agentId: string, path: string, bytes: number): Promise<string> {
  const read = async (params: Record<string, string | number>): Promise<Chunk> => {
    const r = await authFetch(filesUrl(agentId, "read", { path, ...params }));
    if (!r.ok) throw new Error(`${r.status} ${(await r.text()).trim()}`);
    return (await r.json()) as Chunk;
  };
  const size = (await read({ offset: -1 })).offset;
  const start = Math.max(0, size - bytes);
  const chunk = await read({ offset: start, length: size - start });
  return start > 0 ? `…${chunk.data}` : chunk.data;
}

type Tails = { stdout: string; stderr: string } | { error: string };

async function tails(agentId: string, frameworkId: string, executorId: string): Promise<Tails> {
  const dir = await runDirectory(agentId, frameworkId, executorId);
  if (dir === undefined)
    return {
      error: "The task's sandbox is gone from its agent (garbage-collected, or the agent).",
    };
  try {
    const [stdout, stderr] = await Promise.all([
      tail(agentId, `${dir}/stdout`, TAIL_BYTES),
      tail(agentId, `${dir}/stderr`, TAIL_BYTES),
    ]);
    return { stdout, stderr };
  } catch (e) {
    return { error: String(e) };
  }
}

export function LastFailure({
  appId,
  failure,
  frameworkId,
  model,
}: {
  appId: string;
  failure: TaskFailure | undefined;
  frameworkId: string;
  model: ClusterModel;
}): ComponentChild {
  const [output, setOutput] = useState<Tails | undefined>();
  // A command task runs under the command executor of its own id; the master knows better.
  const executorId =
    failure === undefined
      ? ""
      : (model.tasks.get(failure.taskId)?.executor_id?.value ?? failure.taskId);
  const agentId = failure?.slaveId ?? "";
  useEffect(() => {
    setOutput(undefined);
    if (agentId === "" || executorId === "") return;
    let stopped = false;
    void tails(agentId, frameworkId, executorId).then((t) => !stopped && setOutput(t));
    return () => {
      stopped = true;
    };
  }, [agentId, frameworkId, executorId]);
  if (failure === undefined)
    return h(
      "section",
      { "data-testid": "last-failure" },
      h("h3", null, "Last failure of ", appId),
      h(
        "p",
        { class: "empty" },
        "None: no task of this app has failed since the framework started.",
      ),
    );
  const sandbox = sandboxHref(agentId, frameworkId, executorId);
  const field = (name: string, value: string | undefined) => [
    h("dt", null, name),
    h("dd", { "data-field": name }, value ?? ""),
  ];
  const pre = (name: "stdout" | "stderr") =>
    h(
      "div",
      null,
      h("h4", null, name),
      h(
        "pre",
        { class: "tail", "data-testid": `failure-${name}` },
        output === undefined ? "loading…" : "error" in output ? output.error : output[name],
      ),
    );
  return h(
    "section",
    { "data-testid": "last-failure" },
    h("h3", null, "Last failure of ", appId),
    h(
      "dl",
      null,
      field("time", failure.timestamp),
      field("state", failure.state),
      field("message", failure.message),
      field("host", failure.host),
      field("task", failure.taskId),
      field("version", failure.version),
    ),
    h("p", null, h("a", { href: sandbox, "data-testid": "failure-sandbox" }, "Sandbox")),
    pre("stdout"),
    pre("stderr"),
  );
}
