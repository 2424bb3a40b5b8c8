// The events a SchedulerClient hands to its user (reference §1.4), converted from the wire
// into plain arguments.
import type { MasterInfo } from "../wire/framework.ts";
import type { InverseOffer, Offer, OperationStatus } from "../wire/offer.ts";
import type { SchedulerEvent } from "../wire/scheduler.ts";
import type { TaskStatus } from "../wire/status.ts";
import type { HandlerRegistry } from "./handler-registry.ts";

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

/**
 * Hands an event that needs nothing of the client but its handlers to them (false when one
 * threw). SUBSCRIBED, UPDATE and ERROR change the client's state and are its own; an event
 * of a type not listed here is ignored (undefined), as Mesos's library ignores unknown ones.
 */
export function emitPlainEvent(
  event: SchedulerEvent,
  handlers: HandlerRegistry<SchedulerHandlers>,
): Promise<boolean> | undefined {
  switch (event.type) {
    case "OFFERS":
      return handlers.emit("offers", event.offers?.offers ?? []);
    case "INVERSE_OFFERS":
      return handlers.emit("inverseOffers", event.inverse_offers?.inverse_offers ?? []);
    case "RESCIND":
      return handlers.emit("rescind", event.rescind!.offer_id.value);
    case "RESCIND_INVERSE_OFFER":
      return handlers.emit(
        "rescindInverseOffer",
        event.rescind_inverse_offer!.inverse_offer_id.value,
      );
    case "UPDATE_OPERATION_STATUS":
      return handlers.emit("operationUpdate", event.update_operation_status!.status);
    case "MESSAGE": {
      const m = event.message!;
      return handlers.emit("message", {
        agentId: m.agent_id.value,
        executorId: m.executor_id.value,
        data: Buffer.from(m.data, "base64"),
      });
    }
    case "FAILURE": {
      const f = event.failure!;
      return handlers.emit("failure", {
        ...(f.agent_id ? { agentId: f.agent_id.value } : {}),
        ...(f.executor_id ? { executorId: f.executor_id.value } : {}),
        ...(f.status !== undefined ? { status: f.status } : {}),
      });
    }
    case "HEARTBEAT":
      return handlers.emit("heartbeat", undefined);
    default:
      return undefined;
  }
}
