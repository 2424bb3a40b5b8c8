// The events a SchedulerClient hands to its user (reference §1.4), converted from the wire
// into plain arguments, and the registry that runs the handlers one event at a time.
import type { MasterInfo } from "../wire/framework.ts";
import type { InverseOffer, Offer, OperationStatus } from "../wire/offer.ts";
import type { TaskStatus } from "../wire/status.ts";

type Handler<A> = (arg: A) => void | Promise<void>;

export interface SchedulerHandlers {
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
}

type Arg<K extends keyof SchedulerHandlers> = Parameters<SchedulerHandlers[K]>[0];

export class HandlerRegistry {
  private readonly handlers = new Map<keyof SchedulerHandlers, Handler<never>[]>();
  /** Told when a handler throws (the client logs it). */
  onHandlerError: (kind: string, error: unknown) => void = () => {};

  add<K extends keyof SchedulerHandlers>(kind: K, handler: SchedulerHandlers[K]): void {
    const list = this.handlers.get(kind) ?? [];
    list.push(handler as Handler<never>);
    this.handlers.set(kind, list);
  }

  /** Runs the handlers in order; false when one threw (the update is then not acknowledged). */
  async emit<K extends keyof SchedulerHandlers>(kind: K, arg: Arg<K>): Promise<boolean> {
    let ok = true;
    for (const handler of this.handlers.get(kind) ?? []) {
      try {
        await (handler as Handler<Arg<K>>)(arg);
      } catch (error) {
        ok = false;
        this.onHandlerError(kind, error);
      }
    }
    return ok;
  }
}
