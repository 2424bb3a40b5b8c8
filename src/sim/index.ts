// Public API of src/sim: the deterministic simulator. A `Simulation` runs a `SimConfig` (built
// by hand, from a scenario file with `parseScenario` + `scenarioConfig`, or per seed with
// `faultSuiteConfig`) and returns a `SimReport`; a broken invariant throws SimInvariantError.

export {
  type FaultSuiteOptions,
  faultSuiteConfig,
  QUICK_SUITE,
  runSeeds,
  type SeedFailure,
} from "./fault-suite.ts";
export {
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  type FaultRates,
  randomFaults,
} from "./faults.ts";
export {
  checkEnd,
  checkStep,
  dominantShares,
  SimInvariantError,
  undeliveredUpdates,
} from "./invariants.ts";
export { CALM_NETWORK, type NetworkFaults, SimNetwork } from "./network.ts";
export { deriveSeed, SeededRandom, streamOf } from "./prng.ts";
export type { SimReport, Stats } from "./report.ts";
export {
  parseDurationMs,
  parseScenario,
  type Scenario,
  ScenarioSchema,
  scenarioConfig,
} from "./scenario.ts";
export { SimAgent, type SimAgentOptions, type SimAgentSink } from "./sim-agent.ts";
export {
  type AgentGroup,
  defaultSimConfig,
  type FrameworkConfig,
  type SimConfig,
} from "./sim-config.ts";
export { SimFramework } from "./sim-framework.ts";
export { SimMaster, type SimMasterOptions, type SimMasterSink } from "./sim-master.ts";
export { Simulation } from "./simulation.ts";
export { VirtualClock } from "./virtual-clock.ts";
export type { WorkloadSpec } from "./workload.ts";
