// The operator API's event stream (reference §4.3): SUBSCRIBE answers 200 with SUBSCRIBED (the
// full GET_STATE), then HEARTBEAT at once and every 15 s, and the deltas the core reports
// (TASK_ADDED, TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED, FRAMEWORK_ADDED/UPDATED/REMOVED).
// At most `maxSubscribers` streams are kept; beyond that the oldest is closed, as Mesos does
// (--max_operator_event_stream_subscribers).
import type { z } from "zod";
import type { EventStream } from "../../http/event-stream.ts";
import { encodeWire } from "../../wire/json.ts";
import { MasterEvent } from "../../wire/operator-master.ts";
import type { MasterSnapshot } from "../core/operator.ts";
import type { OperatorEvent } from "../core/types.ts";
import {
  agentUsage,
  findTask,
  getState,
  renderAgent,
  renderFramework,
  renderTask,
} from "./operator-render.ts";

export const OPERATOR_HEARTBEAT_RECORD = '{"type":"HEARTBEAT"}';

export class OperatorEventHub {
  readonly #subscribers: EventStream[] = [];
  readonly #maxSubscribers: number;
  readonly #snapshot: () => MasterSnapshot;

  constructor(snapshot: () => MasterSnapshot, maxSubscribers: number) {
    this.#snapshot = snapshot;
    this.#maxSubscribers = maxSubscribers;
  }

  get size(): number {
    return this.#subscribers.length;
  }

  /** Adds a subscriber: SUBSCRIBED with the whole state, then heartbeats. */
  add(stream: EventStream): void {
    while (this.#subscribers.length >= this.#maxSubscribers) this.#subscribers.shift()?.close();
    this.#subscribers.push(stream);
    stream.onClose(() => {
      const at = this.#subscribers.indexOf(stream);
      if (at >= 0) this.#subscribers.splice(at, 1);
    });
    stream.send(
      encodeWire(MasterEvent, {
        type: "SUBSCRIBED",
        subscribed: { get_state: getState(this.#snapshot()), heartbeat_interval_seconds: 15 },
      }),
    );
    stream.startHeartbeats();
  }

  /** Renders one core event against the current state and sends it to every subscriber. */
  publish(event: OperatorEvent): void {
    if (this.#subscribers.length === 0) return;
    const rendered = this.#render(event, this.#snapshot());
    if (rendered === undefined) return;
    const record = encodeWire(MasterEvent, rendered);
    for (const stream of [...this.#subscribers]) stream.send(record);
  }

  close(): void {
    for (const stream of this.#subscribers.splice(0)) stream.close("server_closing");
  }

  #render(event: OperatorEvent, s: MasterSnapshot): z.input<typeof MasterEvent> | undefined {
    switch (event.type) {
      case "TASK_ADDED": {
        const task = findTask(s, event.frameworkId, event.taskId);
        return task && { type: "TASK_ADDED", task_added: { task: renderTask(task) } };
      }
      case "TASK_UPDATED":
        return {
          type: "TASK_UPDATED",
          task_updated: {
            framework_id: { value: event.frameworkId },
            status: event.status as NonNullable<
              z.input<typeof MasterEvent>["task_updated"]
            >["status"],
            state: event.state as NonNullable<z.input<typeof MasterEvent>["task_updated"]>["state"],
          },
        };
      case "AGENT_ADDED": {
        const agent = s.agents.find((a) => a.id === event.agentId);
        return (
          agent && {
            type: "AGENT_ADDED",
            agent_added: { agent: renderAgent(agent, agentUsage(s).get(agent.id)) },
          }
        );
      }
      case "AGENT_REMOVED":
        return { type: "AGENT_REMOVED", agent_removed: { agent_id: { value: event.agentId } } };
      case "FRAMEWORK_ADDED":
      case "FRAMEWORK_UPDATED": {
        const f = s.frameworks.find((x) => x.id === event.frameworkId);
        if (f === undefined) return undefined;
        const framework = renderFramework(f, s);
        return event.type === "FRAMEWORK_ADDED"
          ? { type: "FRAMEWORK_ADDED", framework_added: { framework } }
          : { type: "FRAMEWORK_UPDATED", framework_updated: { framework } };
      }
      case "FRAMEWORK_REMOVED": {
        const f =
          s.completedFrameworks.find((x) => x.id === event.frameworkId) ??
          s.frameworks.find((x) => x.id === event.frameworkId);
        return f && { type: "FRAMEWORK_REMOVED", framework_removed: { framework_info: f.info } };
      }
    }
  }
}
