// The events a SchedulerClient hands to its user (reference §1.4), converted from the wire
// into plain arguments.
import type { MasterInfo } from "../wire/framework.ts";
import type { InverseOffer, Offer, OperationStatus } from "../wire/offer.ts";
import type { TaskStatus } from "../wire/status.ts";

type Handler<A> = (arg: A) => void | Promise<void>;

export type SchedulerHandlers = {
  /** SUBSCRIBED; `resubscribed` after a reconnect or when started with a framework id. */
  subscribed: Handler<{ frameworkId: string; resubscribed: boolean; masterInfo?: MasterInfo }>;
  offers: Handler<Offer[]>;
  inverseOffers: Handler<InverseOffer[]>;
  /** An offer was withdrawn: do not use its id any more. */
  rescind: Handler<string>;
  rescindInverseOffer: Handler<string>;
  /** A task status update; with auto-acknowledgement it is acknowledged after this returns. */
  update: Handler<TaskStatus>;
  operationUpdate: Handler<OperationStatus>;
  message: Handler<{ agentId: string; executorId: string; data: Buffer }>;
  /** An agent was lost (only agentId) or a custom executor exited (with its wait status). */
  failure: Handler<{ agentId?: string; executorId?: string; status?: number }>;
  /** ERROR from the master; the client has stopped. */
  error: Handler<string>;
  heartbeat: Handler<undefined>;
  /** The connection ended; the client reconnects by itself. */
  disconnected: Handler<string>;
};
