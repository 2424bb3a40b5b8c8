// Aurora's Response shape (`{responseCode, details: [{message}], serverInfo, result}`) and its
// task states as read from the services engine's instances (reference §3.1).
import type { TaskState } from "../../wire/status.ts";

export const RESPONSE_CODES = [
  "OK",
  "INVALID_REQUEST",
  "ERROR",
  "WARNING",
  "AUTH_FAILED",
  "LOCK_ERROR",
  "JOB_UPDATING_ERROR",
  "INVALID_CONFIG",
] as const;
export type ResponseCode = (typeof RESPONSE_CODES)[number];

export interface AuroraResponse {
  readonly responseCode: ResponseCode;
  readonly details: { message: string }[];
  readonly serverInfo: { clusterName: string };
  readonly result?: Record<string, unknown>;
}

/** What a call produces before the server adds serverInfo. */
export type CallResult =
  | { readonly code: "OK"; readonly result?: Record<string, unknown>; readonly message?: string }
  | { readonly code: Exclude<ResponseCode, "OK">; readonly message: string };

export const ok = (result?: Record<string, unknown>, message?: string): CallResult => ({
  code: "OK",
  ...(result === undefined ? {} : { result }),
  ...(message === undefined ? {} : { message }),
});

export const failed = (code: Exclude<ResponseCode, "OK">, message: string): CallResult => ({
  code,
  message,
});

export function auroraResponse(clusterName: string, r: CallResult): AuroraResponse {
  const message = r.message;
  return {
    responseCode: r.code,
    details: message === undefined ? [] : [{ message }],
    serverInfo: { clusterName },
    ...(r.code === "OK" && r.result !== undefined ? { result: r.result } : {}),
  };
}

export const AURORA_TASK_STATES = [
  "INIT",
  "THROTTLED",
  "PENDING",
  "ASSIGNED",
  "STARTING",
  "RUNNING",
  "FINISHED",
  "FAILED",
  "KILLING",
  "KILLED",
  "RESTARTING",
  "PREEMPTING",
  "DRAINING",
  "LOST",
  "PARTITIONED",
] as const;
export type AuroraTaskState = (typeof AURORA_TASK_STATES)[number];

const FROM_MESOS: Record<TaskState, AuroraTaskState> = {
  TASK_STAGING: "ASSIGNED",
  TASK_STARTING: "STARTING",
  TASK_RUNNING: "RUNNING",
  TASK_KILLING: "KILLING",
  TASK_FINISHED: "FINISHED",
  TASK_FAILED: "FAILED",
  TASK_ERROR: "FAILED",
  TASK_KILLED: "KILLED",
  TASK_LOST: "LOST",
  TASK_DROPPED: "LOST",
  TASK_GONE: "LOST",
  TASK_GONE_BY_OPERATOR: "LOST",
  TASK_UNKNOWN: "LOST",
  TASK_UNREACHABLE: "PARTITIONED",
};

/**
 * An instance's Aurora state: no task yet is PENDING (THROTTLED while a launch delay or the
 * flapping penalty holds it back); a live task being removed is KILLING; otherwise its Mesos state's counterpart.
 */
export function auroraTaskState(
  state: TaskState | undefined,
  goal: string,
  delayed: boolean,
): AuroraTaskState {
  if (state === undefined) return delayed ? "THROTTLED" : "PENDING";
  const mapped = FROM_MESOS[state];
  if (
    goal === "Decommissioned" &&
    (mapped === "RUNNING" || mapped === "STARTING" || mapped === "ASSIGNED")
  )
    return "KILLING";
  return mapped;
}
