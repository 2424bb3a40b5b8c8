// The jobs engine's records, inputs and its one union of outputs (DESIGN.md "Pure core, thin
// shell"; the shape of the services engine's services-outputs.ts, whose general
// `FrameworkOutput` this reuses). The shell turns API commands, Mesos offers and status updates
// and its timer into `JobsInput`s; the core returns `JobsOutput`s in order and the shell carries
// them out: store writes first (durably, before any launch), then the scheduler calls.
import type { Offer } from "../../wire/offer.ts";
import type { TaskState } from "../../wire/status.ts";
import type { FrameworkOutput } from "../services/services-outputs.ts";
import type { JobDefinition } from "./job-definition.ts";
import type { RunRecord, SkipReason } from "./run-record.ts";
import type { Schedule, ScheduleModule } from "./schedule/types.ts";

export interface JobStats {
  successCount: number;
  errorCount: number;
  errorsSinceLastSuccess: number;
  lastSuccessMs?: number;
  lastErrorMs?: number;
}

/** What the store keeps of a job: its definition and the scheduling state around it. */
export interface JobRecord {
  readonly definition: JobDefinition;
  /** iso8601 and cron jobs: the stored schedule; `startMs` is the next occurrence's due time. */
  schedule?: Schedule;
  /** Dependent jobs: parents that succeeded since this job's last dependency run (#811). */
  parentsDone: string[];
  stats: JobStats;
}

export type JobsWrite =
  | { readonly kind: "put_job"; readonly job: JobRecord }
  | { readonly kind: "delete_job"; readonly name: string }
  | { readonly kind: "put_run"; readonly run: RunRecord }
  | { readonly kind: "delete_run"; readonly runId: string };

export type JobsErrorCode = "INVALID" | "JOB_NOT_FOUND";

export interface JobsError {
  readonly code: JobsErrorCode;
  readonly message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: JobsError };

/** Which endpoint a definition came through: `dependency` requires parents. */
export type PutEndpoint = "iso8601" | "dependency";

export interface TaskStatusInput {
  readonly taskId: string;
  readonly state: TaskState;
  readonly agentId?: string;
  readonly message?: string;
  readonly reason?: string;
  /** When the agent or executor saw the state (TaskStatus.timestamp), epoch ms. */
  readonly timestampMs?: number;
}

export type JobsInput =
  | { readonly kind: "put_job"; readonly job: JobDefinition; readonly endpoint: PutEndpoint }
  | { readonly kind: "delete_job"; readonly name: string }
  | { readonly kind: "run_now"; readonly name: string; readonly arguments: readonly string[] }
  | { readonly kind: "mark_success"; readonly name: string }
  | { readonly kind: "kill_job"; readonly name: string }
  | { readonly kind: "offers"; readonly offers: readonly Offer[] }
  | { readonly kind: "task_status"; readonly update: TaskStatusInput }
  /** Fire what is due, release retries whose delay passed. */
  | { readonly kind: "tick" };

export type JobsReply =
  | { readonly to: "put_job"; readonly result: Result<{ created: boolean }> }
  | { readonly to: "delete_job"; readonly result: Result<void> }
  | { readonly to: "run_now"; readonly result: Result<RunRecord> }
  | { readonly to: "mark_success"; readonly result: Result<void> }
  | { readonly to: "kill_job"; readonly result: Result<{ killed: number }> };

/** Notifications (Chronos's JobSkipped, JobFailed, ...), for logs and metrics. */
export type JobsEvent =
  | {
      readonly type: "run_skipped";
      readonly job: string;
      readonly dueMs: number;
      readonly reason: SkipReason;
      readonly count: number;
    }
  | { readonly type: "run_finished"; readonly run: RunRecord }
  | { readonly type: "job_disabled"; readonly job: string; readonly why: string };

export type JobsOutput = FrameworkOutput<JobsWrite, JobsEvent, JobsReply>;

/** Why a queued run is not running (issue #16's "why is it not running"). */
export interface WaitingReason {
  readonly waiting: "offers" | "retry_delay" | "collision" | "not_due";
  readonly detail: string;
}

export interface JobsCoreOptions {
  readonly schedules: ScheduleModule;
  /** Chronos's `--failure_retry`: the delay before a failed attempt is retried (60 s). */
  readonly failureRetryMs?: number;
  /** Missed-run window for jobs that name no `epsilon`; undefined = catch up once. */
  readonly defaultEpsilonMs?: number;
  /** Runs kept per job once finished (the history). */
  readonly historyPerJob?: number;
  /** `--user`: runAsUser of jobs that name none (undefined: the agent's user). */
  readonly defaultUser?: string;
  /** Filter on declined offers while no run waits. */
  readonly declineRefuseSeconds?: number;
  /** The framework's role, for the resources a task takes. */
  readonly role?: string;
}

/** What the core starts from: the store's records, as the shell read them. */
export interface JobsSnapshot {
  readonly jobs: readonly JobRecord[];
  readonly runs: readonly RunRecord[];
}
