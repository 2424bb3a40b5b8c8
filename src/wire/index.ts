// The Mesos v1 wire: JSON dialect primitives and every core message schema (mesos.proto).
export * from "./enum-default.ts";
export * from "./framework.ts";
export * from "./ids.ts";
export * from "./json.ts";
export * from "./offer.ts";
export * from "./resource.ts";
export * from "./status.ts";
export * from "./task.ts";
export * from "./usage.ts";
export * from "./volume.ts";
// API unions (scheduler, executor, operator) are re-exported below.
export * from "./executor.ts";
export * from "./operator-agent.ts";
export * from "./operator-common.ts";
export * from "./operator-master.ts";
export * from "./recordio.ts";
export * from "./scheduler.ts";
