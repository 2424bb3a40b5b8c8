// The Mesos v1 wire: the JSON dialect, RecordIO, every core message schema (mesos.proto) and
// the Call/Event unions of the scheduler, executor and operator APIs.
export * from "./container.ts";
export * from "./enum-default.ts";
export * from "./executor.ts";
export * from "./framework.ts";
export * from "./ids.ts";
export * from "./json.ts";
export * from "./offer.ts";
export * from "./operator-agent.ts";
export * from "./operator-common.ts";
export * from "./operator-master.ts";
export * from "./proto-message.ts";
export * from "./protobuf.ts";
export * from "./recordio.ts";
export * from "./resource.ts";
export * from "./scheduler.ts";
export * from "./status.ts";
export * from "./task.ts";
export * from "./usage.ts";
export * from "./volume.ts";
