// The agent operator API's container calls (reference §4.4) over AgentContainers
// (src/agent/nested): LAUNCH/WAIT/KILL/REMOVE of nested and standalone containers (the
// deprecated *_NESTED_CONTAINER forms too), LAUNCH_NESTED_CONTAINER_SESSION and
// ATTACH_CONTAINER_OUTPUT as RecordIO streams of ProcessIO records, ATTACH_CONTAINER_INPUT as
// a streamed request of Call records, GET_CONTAINERS with `show_nested` / `show_standalone`;
// and the resource provider and image calls, answered as a Mesos agent answers them when it
// has no resource providers and no images configured.
//
// Executors' own (top-level) containers stay with operator-api.ts and endpoints.ts: WAIT and
// KILL of those are answered there.

import { type Reply, streamReply, textResponse } from "../../http/response.ts";
import type { ContainerID } from "../../wire/ids.ts";
import type { AgentOperatorCall, ProcessIO } from "../../wire/operator-agent.ts";
import {
  type AgentContainers,
  containerKey,
  type LaunchRequest,
} from "../nested/agent-containers.ts";
import type { OutputKind } from "../nested/container-io.ts";
import {
  type AgentAccept,
  encodeProcessIO,
  type MessageType,
  streamMedia,
} from "./container-media.ts";
import type { AgentEndpointsContext } from "./endpoints.ts";
import type { AgentAnswer } from "./operator-api.ts";
import { resourceProviderCall } from "./resource-provider-calls.ts";

/** Mesos's `--http_heartbeat_interval` default: a CONTROL HEARTBEAT record on each stream. */
export const CONTAINER_STREAM_HEARTBEAT_MS = 30_000;

const STREAMING_CALLS = new Set(["LAUNCH_NESTED_CONTAINER_SESSION", "ATTACH_CONTAINER_OUTPUT"]);

/** Whether the call may answer with a stream (Mesos: 406 for every other call asking one). */
export function streamsAnswer(call: AgentOperatorCall): boolean {
  return call.type !== undefined && STREAMING_CALLS.has(call.type);
}

/**
 * The container, resource provider and image calls: the reply (or the answer's body), or
 * undefined for a call left to operator-api.ts (an executor's own container included).
 */
export async function containerCall(
  ctx: AgentEndpointsContext,
  containers: AgentContainers,
  call: AgentOperatorCall,
  accept: AgentAccept,
): Promise<Reply | AgentAnswer | undefined> {
  switch (call.type) {
    case "LAUNCH_NESTED_CONTAINER": {
      const c = call.launch_nested_container!;
      return launched(await containers.launch(launchOf(c.container_id, c, [], "DEFAULT")));
    }
    case "LAUNCH_CONTAINER": {
      const c = call.launch_container!;
      return launched(
        await containers.launch(launchOf(c.container_id, c, c.resources ?? [], "DEFAULT")),
      );
    }
    case "LAUNCH_NESTED_CONTAINER_SESSION":
      return session(containers, call, accept);
    case "WAIT_NESTED_CONTAINER":
      return waited(containers, call.wait_nested_container!.container_id, true);
    case "WAIT_CONTAINER":
      return mine(containers, call.wait_container!.container_id)
        ? waited(containers, call.wait_container!.container_id, false)
        : undefined;
    case "KILL_NESTED_CONTAINER": {
      const c = call.kill_nested_container!;
      return killed(await containers.kill(c.container_id, c.signal), c.container_id);
    }
    case "KILL_CONTAINER": {
      const c = call.kill_container!;
      if (!mine(containers, c.container_id)) return undefined;
      return killed(await containers.kill(c.container_id, c.signal), c.container_id);
    }
    case "REMOVE_NESTED_CONTAINER":
    case "REMOVE_CONTAINER": {
      const id = (call.remove_nested_container ?? call.remove_container)!.container_id;
      const refused = containers.remove(id);
      return refused === undefined ? textResponse(200, "") : textResponse(500, refused);
    }
    case "ATTACH_CONTAINER_OUTPUT":
      return attachOutput(containers, call.attach_container_output!.container_id, accept);
    case "ATTACH_CONTAINER_INPUT":
      // Mesos takes it only as a stream (see attachContainerInput).
      return textResponse(
        415,
        "Expecting 'Content-Type' to be application/recordio for ATTACH_CONTAINER_INPUT call",
      );
    case "GET_CONTAINERS":
      return getContainers(ctx, containers, call);
    default:
      return resourceProviderCall(ctx, call);
  }
}

/** A nested container, or a standalone one: launched through this API. */
function mine(containers: AgentContainers, id: ContainerID): boolean {
  return id.parent !== undefined || containers.owns(id);
}

function launchOf(
  containerId: ContainerID,
  c: { command?: LaunchRequest["command"]; container?: LaunchRequest["container"] },
  resources: LaunchRequest["resources"],
  cls: LaunchRequest["class"],
): LaunchRequest {
  return { containerId, command: c.command, container: c.container, resources, class: cls };
}

function launched(result: Awaited<ReturnType<AgentContainers["launch"]>>): Reply {
  return result.status === 400
    ? textResponse(400, result.message)
    : textResponse(result.status, "");
}

async function waited(
  containers: AgentContainers,
  id: ContainerID,
  deprecated: boolean,
): Promise<Reply | AgentAnswer> {
  const termination = containers.wait(id);
  if (termination === undefined) {
    return textResponse(404, `Container ${containerKey(id)} cannot be found`);
  }
  const t = await termination;
  return deprecated
    ? { type: "WAIT_NESTED_CONTAINER", wait_nested_container: t }
    : { type: "WAIT_CONTAINER", wait_container: t };
}

function killed(found: boolean, id: ContainerID): Reply {
  return found
    ? textResponse(200, "")
    : textResponse(404, `Container '${containerKey(id)}' cannot be found (or is already killed)`);
}

/** The ProcessIO records of a container's output, as the stream's records. */
function outputRecords(message: MessageType, send: (record: string | Uint8Array) => boolean) {
  return {
    data: (kind: OutputKind, chunk: Buffer) =>
      send(
        encodeProcessIO(message, {
          type: "DATA",
          data: { type: kind, data: chunk.toString("base64") },
        }),
      ),
    heartbeat: (): string | Uint8Array =>
      encodeProcessIO(message, {
        type: "CONTROL",
        control: {
          type: "HEARTBEAT",
          heartbeat: { interval: { nanoseconds: CONTAINER_STREAM_HEARTBEAT_MS * 1_000_000 } },
        },
      } satisfies ProcessIO),
  };
}

/** ATTACH_CONTAINER_OUTPUT: the container's output from now on, until it ends. */
function attachOutput(containers: AgentContainers, id: ContainerID, accept: AgentAccept): Reply {
  if (!containers.hasOutput(id)) {
    return textResponse(404, `Container ${containerKey(id)} cannot be found`);
  }
  return outputStream(containers, id, accept, () => {});
}

/**
 * A stream of the container's output as ProcessIO records, with a CONTROL HEARTBEAT every
 * interval (Mesos's --http_heartbeat_interval); it ends when the output does. `onClose` is told
 * when it ended, for whatever reason.
 */
function outputStream(
  containers: AgentContainers,
  id: ContainerID,
  accept: AgentAccept,
  onClose: () => void,
): Reply {
  const media = streamMedia(accept);
  return streamReply(
    {
      contentType: media.contentType,
      streamId: false,
      headers: media.headers,
      heartbeat: {
        intervalMs: CONTAINER_STREAM_HEARTBEAT_MS,
        record: outputRecords(media.message, () => true).heartbeat,
      },
    },
    (stream) => {
      const records = outputRecords(media.message, (r) => stream.send(r));
      const attached = containers.attachOutput(id, {
        data: records.data,
        end: () => stream.close(),
      });
      stream.onClose(() => {
        if (typeof attached === "function") attached();
        onClose();
      });
      // Gone meanwhile, or followed by too many readers already: the stream ends at once.
      if (typeof attached === "string") stream.close();
      else stream.startHeartbeats();
    },
  );
}

/**
 * LAUNCH_NESTED_CONTAINER_SESSION: a DEBUG container whose output is the response's stream;
 * it is destroyed when its output ends or the client goes away (Mesos's session).
 */
async function session(
  containers: AgentContainers,
  call: AgentOperatorCall,
  accept: AgentAccept,
): Promise<Reply> {
  const c = call.launch_nested_container_session!;
  const result = await containers.launch(launchOf(c.container_id, c, [], "DEBUG"));
  if (result.status !== 200) {
    return result.status === 400 ? textResponse(400, result.message) : textResponse(202, "");
  }
  // The session's container ends with its stream (its output ended, or the client left).
  return outputStream(containers, c.container_id, accept, () => {
    void containers.kill(c.container_id, undefined);
  });
}

/**
 * GET_CONTAINERS: executors' containers, then (when asked) the nested and standalone ones, each
 * with its status as the containerizer gives it (its id and its first process's pid).
 */
function getContainers(
  ctx: AgentEndpointsContext,
  containers: AgentContainers,
  call: AgentOperatorCall,
): AgentAnswer {
  const show = call.get_containers;
  const executors = [...ctx.core.frameworks.values()].flatMap((f) => [...f.executors.values()]);
  const own = containers.list({
    nested: show?.show_nested === true,
    standalone: show?.show_standalone === true,
  });
  const status = (id: ContainerID) => {
    const pid = containers.pidOf(id);
    return { container_id: id, ...(pid === undefined ? {} : { executor_pid: pid }) };
  };
  return {
    type: "GET_CONTAINERS",
    get_containers: {
      containers: [
        ...executors
          .filter((e) => e.phase !== "terminated")
          .map((e) => {
            const usage = ctx.containerizer.usage(e.containerId);
            const id = { value: e.containerId };
            return {
              framework_id: { value: e.frameworkId },
              executor_id: { value: e.id },
              executor_name: e.info.name ?? "",
              container_id: id,
              container_status: status(id),
              ...(usage.ok ? { resource_statistics: usage.value } : {}),
            };
          }),
        ...own.map((c) => ({
          ...(c.executor === undefined
            ? {}
            : {
                framework_id: { value: c.executor.frameworkId },
                executor_id: { value: c.executor.executorId },
              }),
          container_id: c.id,
          container_status: status(c.id),
          ...(c.usage === undefined ? {} : { resource_statistics: c.usage }),
        })),
      ],
    },
  };
}
