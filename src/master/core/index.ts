// Public API of src/master/core: the pure master state machine (DESIGN.md "Pure core, thin
// shell"). The HTTP shell feeds `MasterInput`s to `MasterCore.handle` and carries out the
// returned `MasterOutput`s in order; registry operations and state live in registry-state.ts.
export type { AllocatorPort } from "./allocator-port.ts";
export { ALLOCATION_TIMER_ID, MasterCore, type MasterDeps } from "./master.ts";
export type { MasterSnapshot } from "./operator.ts";
export {
  DEFAULT_MASTER_FLAGS,
  MASTER_ERROR_STATUS,
  type MasterConfig,
  type MasterError,
  type MasterErrorCode,
  type MasterFlags,
  type MasterInput,
  type MasterOutput,
  type OperatorCall,
  type OperatorEvent,
  type SchedulerCallReply,
} from "./types.ts";
