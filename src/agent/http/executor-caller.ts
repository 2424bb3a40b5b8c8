// Who may speak for an executor on `/api/v1/executor` (issue 18, finding 5). Without executor
// authentication anyone could SUBSCRIBE as another task's executor and take its stream, or
// post UPDATEs for an executor that never subscribed over HTTP. Here a call (other than
// HEARTBEAT, which Mesos answers before any check) must come from a process of the
// executor's own container: the client's end of the TCP connection is looked up in
// /proc/net/tcp{,6} and must be a socket that one of the container's processes holds. The
// agent's own command executor is hosted in the agent and subscribed in-process, so nothing
// may speak for it over HTTP. An unknown framework or executor passes, for the core's 400.
//
// `checkExecutorCaller` is the one check: executor authentication (a JWT per executor,
// `--authenticate_http_executors`) belongs in it too.
import { readdir, readFile, readlink } from "node:fs/promises";
import type { HttpRequest } from "../../http/server.ts";
import type { ExecutorCall } from "../../wire/executor.ts";

export interface ExecutorCallerContext {
  /** The executor's container and whether the agent hosts it; undefined when unknown. */
  executor(
    frameworkId: string,
    executorId: string,
  ): { readonly containerId: string; readonly hosted: boolean } | undefined;
  /** Host pids of a container's processes. */
  pids(containerId: string): readonly number[];
}

export type CallerCheck = { ok: true } | { ok: false; status: 403; message: string };

const NOT_SUBSCRIBED: CallerCheck = {
  ok: false,
  status: 403,
  message: "Executor is not subscribed",
};

export async function checkExecutorCaller(
  ctx: ExecutorCallerContext,
  request: HttpRequest,
  call: ExecutorCall,
): Promise<CallerCheck> {
  if (call.type === "HEARTBEAT") return { ok: true };
  const executor = ctx.executor(call.framework_id.value, call.executor_id.value);
  if (executor === undefined) return { ok: true };
  const refused: CallerCheck =
    call.type === "SUBSCRIBE"
      ? {
          ok: false,
          status: 403,
          message: `Executor '${call.executor_id.value}' may only be subscribed by a process of its own container`,
        }
      : NOT_SUBSCRIBED;
  if (executor.hosted) return refused;
  const inode = await clientSocketInode(request.remotePort, request.localPort);
  if (inode === null) return refused;
  const held = await heldBy(ctx.pids(executor.containerId), `socket:[${inode}]`);
  return held ? { ok: true } : refused;
}

/**
 * The inode of the client's socket of a local TCP connection: the line of /proc/net/tcp(6)
 * whose local port is the client's and whose remote port is ours. Null when the client is
 * not on this host (or its socket is gone).
 */
async function clientSocketInode(
  remotePort: number | undefined,
  localPort: number | undefined,
): Promise<string | null> {
  if (remotePort === undefined || localPort === undefined) return null;
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, "0");
  const local = `:${hex(remotePort)}`;
  const remote = `:${hex(localPort)}`;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = await readFile(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(local) && fields[2]?.endsWith(remote)) return fields[9] ?? null;
    }
  }
  return null;
}

/** Whether one of `pids` has a descriptor open on `target` (`socket:[inode]`). */
async function heldBy(pids: readonly number[], target: string): Promise<boolean> {
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if ((await readlink(`/proc/${pid}/fd/${fd}`)) === target) return true;
      } catch {
        // Closed meanwhile.
      }
    }
  }
  return false;
}
