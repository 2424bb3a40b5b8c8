// The agent core: the pure agent state machine and its status update manager.
export { AgentCore } from "./agent.ts";
export {
  COMMAND_EXECUTOR_CPUS,
  COMMAND_EXECUTOR_MEM_MB,
  commandExecutorInfo,
} from "./command-executor.ts";
export { executorEnvironment, formatStoutDuration } from "./executor-env.ts";
export * from "./paths.ts";
export { StatusUpdateManager } from "./status-update-manager.ts";
export type * from "./status-update-types.ts";
export * from "./types.ts";
