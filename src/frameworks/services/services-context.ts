// The context every handler of the services core works in: the input's time and the outputs
// being built, in order (the services counterpart of src/master/core/state.ts's Ctx). Handlers
// never write to a store, call Mesos or notify listeners themselves: they add outputs here.
import type { ReadinessProbeTarget } from "./readiness.ts";
import {
  type ServiceEventFieldsByType,
  type ServiceEventType,
  serviceEvent,
} from "./services-events.ts";
import type {
  SchedulerCallOutput,
  ServicesOutput,
  ServicesReply,
  ServicesWrite,
} from "./services-outputs.ts";

export class ServicesCtx {
  readonly out: ServicesOutput[] = [];

  constructor(readonly nowMs: number) {}

  write(write: ServicesWrite): void {
    this.out.push({ kind: "store_write", write });
  }

  event<T extends ServiceEventType>(eventType: T, fields: ServiceEventFieldsByType[T]): void {
    this.out.push({ kind: "event", event: serviceEvent(eventType, this.nowMs, fields) });
  }

  call(call: SchedulerCallOutput): void {
    this.out.push(call);
  }

  probe(target: ReadinessProbeTarget): void {
    this.out.push({ kind: "readiness_probe", target });
  }

  reply(reply: ServicesReply): void {
    this.out.push({ kind: "reply", reply });
  }
}
