// The wire types the master core reads and builds, gathered in one place so that the rest of
// the core names them once. Everything here is type-only: the core never parses JSON (the shell
// runs parseWire + validateSchedulerCall before handing calls in) and hands events out as values
// the shell encodes with encodeWire.
import type { z } from "zod";
import type {
  AgentCall as AgentCallSchema,
  AgentEvent as AgentEventSchema,
} from "../../wire/agent-channel.ts";
import type {
  AgentInfo,
  DrainConfig,
  DrainInfo,
  FrameworkInfo,
  MasterInfo,
} from "../../wire/framework.ts";
import type {
  InverseOffer as InverseOfferSchema,
  OfferOperation,
  Offer as OfferSchema,
} from "../../wire/offer.ts";
import type { Resource } from "../../wire/resource.ts";
import type {
  SchedulerCall as CallSchema,
  SchedulerEvent as EventSchema,
} from "../../wire/scheduler.ts";
import type { TaskState, TaskStatus as TaskStatusSchema } from "../../wire/status.ts";
import type { ExecutorInfo, KillPolicy, Task, TaskGroupInfo, TaskInfo } from "../../wire/task.ts";

export type {
  AgentInfo,
  DrainConfig,
  DrainInfo,
  ExecutorInfo,
  FrameworkInfo,
  KillPolicy,
  MasterInfo,
  OfferOperation,
  Resource,
  Task,
  TaskGroupInfo,
  TaskInfo,
  TaskState,
};

/** A parsed scheduler call (the shell has run parseWire and validateSchedulerCall). */
export type SchedulerCall = z.output<typeof CallSchema>;
/** A scheduler event as built by the core; the shell puts it on the wire with encodeWire. */
export type SchedulerEvent = z.output<typeof EventSchema>;
export type TaskStatus = z.output<typeof TaskStatusSchema>;
export type Offer = z.output<typeof OfferSchema>;
export type InverseOffer = z.output<typeof InverseOfferSchema>;
export type AgentCall = AgentCallSchema;
export type AgentEvent = z.output<typeof AgentEventSchema>;
