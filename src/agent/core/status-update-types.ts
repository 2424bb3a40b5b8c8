// The records the agent's status update manager keeps, forwards and checkpoints (reference §5.5,
// Mesos's StatusUpdate / StatusUpdateRecord messages). Plain data: the checkpoint shell writes
// `StatusUpdateRecord`s to `task.updates` and hands them back, in order, on recovery.
import type { TaskState, TaskStatus } from "../../wire/status.ts";

/** One status update of one task (Mesos's `StatusUpdate`); `status.uuid` is always set. */
export interface StatusUpdate {
  frameworkId: string;
  /** Unset for updates about tasks no executor of this agent knows (reconciliation answers). */
  executorId: string | undefined;
  status: TaskStatus;
}

/** One line of `task.updates`: an accepted update, or the framework's acknowledgement of one. */
export type StatusUpdateRecord =
  | { type: "UPDATE"; update: StatusUpdate }
  | { type: "ACK"; uuid: string };

/** One run of an executor on this agent. */
export interface RunIds {
  frameworkId: string;
  executorId: string;
  containerId: string;
}

/** Where a stream's records go: the run of the executor the task belongs to. */
export interface StreamLocation extends RunIds {
  taskId: string;
}

/** A stream replayed from disk: its location and its records in the order they were written. */
export interface RecoveredStream {
  at: StreamLocation;
  records: readonly StatusUpdateRecord[];
}

export type StatusUpdateOutput =
  /** Send to the master (AgentCall UPDATE) with `latestState` as `latest_state`. */
  | { kind: "forward"; update: StatusUpdate; latestState: TaskState }
  /** Append `record` to the stream's `task.updates`; report `token` back once durable. */
  | { kind: "record"; token: number; at: StreamLocation; record: StatusUpdateRecord }
  /**
   * An accepted update is now durable (or needs no checkpoint): the agent tells the executor
   * ACKNOWLEDGED (reference §3.3: the agent's ack, not the framework's).
   */
  | { kind: "durable"; update: StatusUpdate }
  | { kind: "set_timer"; timerId: string; atMs: number }
  | { kind: "cancel_timer"; timerId: string };

/** What `update` did with an update. */
export type UpdateResult =
  | "accepted"
  /** Same uuid seen before (retried by the executor): nothing changes. */
  | "duplicate"
  /** The stream already holds a terminal update: Mesos refuses updates after it. */
  | "after_terminal";

/** What `acknowledge` did with an acknowledgement. */
export type AckResult =
  | { ok: true; terminal: boolean }
  | { ok: false; code: "unknown_stream" | "unexpected_uuid"; message: string };
