// The agent's v1 operator API calls (reference §4.4), answered by POST /api/v1 in
// endpoints.ts: the reads of the agent's state, GET/SET_LOGGING_LEVEL on the real logger,
// LIST_FILES / READ_FILE over the sandboxes (real paths and `/frameworks/<fw>/executors/<ex>/
// runs/latest`) and, with `--log_dir`, the agent's log file as `/slave/log`, and
// WAIT_CONTAINER of an executor's container. The container, resource provider and image calls
// are container-calls.ts's.

import { join } from "node:path";
import { versionInfo } from "../../http/endpoints.ts";
import {
  type FileAccessResult,
  listFiles,
  type PathResolver,
  readFileRange,
  resolveAttached,
} from "../../http/file-access.ts";
import { LoggingLevel } from "../../http/logging-level.ts";
import { type Reply, textResponse } from "../../http/response.ts";
import type { encodeWire } from "../../wire/json.ts";
import type { AgentOperatorCall, AgentOperatorResponse } from "../../wire/operator-agent.ts";
import type { Task } from "../../wire/task.ts";
import type { AgentCore } from "../core/agent.ts";
import type { AgentEndpointsContext } from "./endpoints.ts";
import { type FilesContext, resolveSandboxPath } from "./files.ts";

/** A 200 answer's body, which the route encodes (JSON or protobuf, as asked). */
export type AgentAnswer = Parameters<typeof encodeWire<typeof AgentOperatorResponse>>[1];

export function executorsOf(core: AgentCore) {
  return [...core.frameworks.values()].flatMap((f) => [...f.executors.values()]);
}

/** The daemon's log file in `--log_dir`, as `tessera agent` writes it (src/cli). */
export const AGENT_LOG_FILE = "tessera-agent.log";

/** What the agent's operator API keeps across calls. */
export interface AgentOperatorProcess {
  readonly logging: LoggingLevel;
  readonly resolve: PathResolver;
}

export function agentOperatorProcess(
  ctx: AgentEndpointsContext,
  files: FilesContext,
): AgentOperatorProcess {
  const attached = new Map<string, string>();
  const logDir = ctx.flags.log_dir;
  if (logDir !== undefined && logDir !== "") {
    attached.set("/slave/log", join(logDir, AGENT_LOG_FILE));
  }
  const resolve: PathResolver = async (path) => {
    if (path === "/slave/log" || path.startsWith("/slave/log/")) {
      return resolveAttached(attached, path);
    }
    const found = await resolveSandboxPath(files, path);
    if (found.ok) return { ok: true, value: found.opened };
    return found.response.status === 400
      ? { ok: false, status: 400, message: "Expecting 'path' to be non-empty" }
      : { ok: false, status: 404, message: `File '${path}' not found` };
  };
  return { logging: new LoggingLevel(ctx.logger), resolve };
}

function refused(result: Extract<FileAccessResult<unknown>, { ok: false }>): Reply {
  return textResponse(result.status, result.message);
}

/** The calls container-calls.ts leaves (KILL_CONTAINER of an executor's container aside): the
 *  body of a 200 answer, or the whole reply. */
export async function operatorAnswer(
  ctx: AgentEndpointsContext,
  own: AgentOperatorProcess,
  call: AgentOperatorCall,
): Promise<AgentAnswer | Reply> {
  switch (call.type) {
    case "GET_LOGGING_LEVEL":
      return {
        type: "GET_LOGGING_LEVEL",
        get_logging_level: { level: own.logging.verbosity },
      };
    case "SET_LOGGING_LEVEL": {
      const set = call.set_logging_level!;
      own.logging.set(set.level, set.duration.nanoseconds / 1_000_000);
      return textResponse(200, "");
    }
    case "LIST_FILES": {
      const listed = await listFiles(own.resolve, call.list_files!.path);
      if (!listed.ok) return refused(listed);
      return { type: "LIST_FILES", list_files: { file_infos: listed.value } };
    }
    case "READ_FILE": {
      const { path, offset, length } = call.read_file!;
      const read = await readFileRange(own.resolve, path, offset, length);
      if (!read.ok) return refused(read);
      return {
        type: "READ_FILE",
        read_file: { size: read.value.size, data: read.value.data.toString("base64") },
      };
    }
    case "WAIT_CONTAINER":
      // An executor's container (nested and standalone ones are container-calls.ts's).
      return waitContainer(ctx, call.wait_container!.container_id.value);
    default:
      break;
  }
  const body = stateAnswer(ctx, call);
  if (body !== undefined) return body;
  // Every call type is answered; only UNKNOWN (or none) is left, as Mesos's NotImplemented.
  return textResponse(501, `Unsupported call type '${call.type ?? "UNKNOWN"}'`);
}

/**
 * WAIT_CONTAINER of an executor's container: answered when it has ended (at once if it has),
 * with the wait status and, when an isolator ended it, TASK_FAILED with the limitation's
 * reason and message, as Mesos; 404 for a container the agent does not know.
 */
async function waitContainer(
  ctx: AgentEndpointsContext,
  containerId: string,
): Promise<AgentAnswer | Reply> {
  const ended = await ctx.containerizer.wait(containerId);
  if (!ended.ok) return textResponse(404, `Container ${containerId} cannot be found`);
  const t = ended.value;
  return {
    type: "WAIT_CONTAINER",
    wait_container: {
      ...(t.waitStatus === null ? {} : { exit_status: t.waitStatus }),
      ...(t.limitation === undefined
        ? {}
        : { state: "TASK_FAILED", reason: t.limitation.reason, message: t.limitation.message }),
    },
  };
}

/** The calls answered 200 with a body, as that body; undefined for any other call. */
function stateAnswer(ctx: AgentEndpointsContext, call: AgentOperatorCall): AgentAnswer | undefined {
  const { core } = ctx;
  const frameworks = [...core.frameworks.values()];
  const executors = executorsOf(core);
  const completedFrameworks = [...core.completedFrameworks.values()];
  // Executors that ended: forgotten ones (of live and of completed frameworks), then those
  // whose tasks' last updates still wait for acknowledgement.
  const completedExecutors = [
    ...[...frameworks, ...completedFrameworks].flatMap((f) => f.completedExecutors),
    ...executors.filter((e) => e.phase === "terminated"),
  ];
  const getFrameworks = () => ({
    frameworks: frameworks.map((f) => ({ framework_info: f.info })),
    completed_frameworks: completedFrameworks.map((f) => ({ framework_info: f.info })),
  });
  const getExecutors = () => ({
    executors: executors
      .filter((e) => e.phase !== "terminated")
      .map((e) => ({ executor_info: e.info })),
    completed_executors: completedExecutors.map((e) => ({ executor_info: e.info })),
  });
  const getTasks = () => {
    const queued: Task[] = [];
    const launched: Task[] = [];
    const terminated: Task[] = [];
    for (const e of executors) {
      for (const t of e.tasks.values()) {
        if (t.stage === "queued") queued.push(t.task);
        else if (t.stage === "terminated") terminated.push(t.task);
        else launched.push(t.task);
      }
    }
    return {
      pending_tasks: [],
      queued_tasks: queued,
      launched_tasks: launched,
      terminated_tasks: terminated,
      completed_tasks: [...frameworks, ...completedFrameworks]
        .flatMap((f) => f.completedExecutors)
        .concat(executors)
        .flatMap((e) => e.completedTasks),
    };
  };
  switch (call.type) {
    case "GET_HEALTH":
      return {
        type: "GET_HEALTH",
        get_health: { healthy: ctx.core.checkpointFailure === undefined },
      };
    case "GET_FLAGS":
      return {
        type: "GET_FLAGS",
        get_flags: { flags: Object.entries(ctx.flags).map(([name, value]) => ({ name, value })) },
      };
    case "GET_VERSION":
      return { type: "GET_VERSION", get_version: { version_info: versionInfo() } };
    case "GET_METRICS":
      return {
        type: "GET_METRICS",
        get_metrics: {
          metrics: Object.entries(ctx.metrics.snapshot()).map(([name, value]) => ({ name, value })),
        },
      };
    case "GET_STATE":
      return {
        type: "GET_STATE",
        get_state: {
          get_tasks: getTasks(),
          get_executors: getExecutors(),
          get_frameworks: getFrameworks(),
        },
      };
    case "GET_FRAMEWORKS":
      return { type: "GET_FRAMEWORKS", get_frameworks: getFrameworks() };
    case "GET_EXECUTORS":
      return { type: "GET_EXECUTORS", get_executors: getExecutors() };
    case "GET_TASKS":
      return { type: "GET_TASKS", get_tasks: getTasks() };
    case "GET_AGENT":
      return {
        type: "GET_AGENT",
        get_agent: {
          agent_info: {
            ...ctx.agentInfo,
            ...(core.agentId === undefined ? {} : { id: { value: core.agentId } }),
          },
        },
      };
    case "GET_OPERATIONS":
      // Operations with feedback (operation ids) are not tracked on the agent: none pending.
      return { type: "GET_OPERATIONS", get_operations: { operations: [] } };
    case "GET_RESOURCE_PROVIDERS":
      // No resource providers are built: the agent's resources are all its own.
      return { type: "GET_RESOURCE_PROVIDERS", get_resource_providers: { resource_providers: [] } };
    default:
      return undefined;
  }
}
