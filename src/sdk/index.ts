// The Tessera SDK: clients for the Mesos v1 scheduler and executor APIs, and helpers to write a
// framework in a page of TypeScript (see examples/hundred-tasks.ts).
//
// - SchedulerClient: subscribe, follow the leader (307), reconnect with backoff and resubscribe
//   with the framework id, heartbeat watchdog, automatic or manual acknowledgements, calls
//   (launch/accept/decline/revive/suppress/kill/shutdown/reconcile/message/teardown/update),
//   maintenance inverse offers (the `inverseOffers` handler, acceptInverseOffers /
//   declineInverseOffers).
// - Offer matching: RemainingOffer, offerFits, packTasks, commandTask, launchOperation.
// - Reconciliation: the recommended explicit-with-backoff plus periodic implicit schedule.
// - ExecutorClient: a custom executor's side of /api/v1/executor.
// - useClientTls (or SchedulerClient's `tls`): a CA and client certificate for https URLs.
// - Both speak JSON or, with `mediaType: "application/x-protobuf"`, protobuf.

// Wire types and helpers a framework author needs alongside the clients.
export type { InverseOffer, Offer } from "../wire/offer.ts";
export { isTerminalState, type TaskState, type TaskStatus } from "../wire/status.ts";
export { Backoff, type BackoffOptions } from "./backoff.ts";
export { type ClientTlsFiles, useClientTls } from "./client-tls.ts";
export {
  ExecutorClient,
  type ExecutorClientOptions,
  type ExecutorHandlers,
  type ExecutorUpdate,
} from "./executor-client.ts";
export { type ExecutorEnv, parseStoutDurationMs, readExecutorEnv } from "./executor-env.ts";
export {
  type CommandTaskSpec,
  commandTask,
  launchOperation,
  type OfferOperationInput,
  offerFits,
  type Placement,
  packTasks,
  RemainingOffer,
  type TakenResources,
  type TaskInfoInput,
  type TaskNeeds,
} from "./offer-matching.ts";
export {
  type ReconcileOptions,
  type ReconcileStep,
  type ReconcileTask,
  Reconciliation,
} from "./reconcile.ts";
export type { FrameworkInfoInput, OfferFilterOptions } from "./scheduler-calls.ts";
export * as schedulerCalls from "./scheduler-calls.ts";
export {
  type CallResult,
  type ClientStopped,
  SchedulerClient,
  type SchedulerClientOptions,
} from "./scheduler-client.ts";
export type { SchedulerHandlers } from "./scheduler-events.ts";
export { SchedulerSession, type SessionPhase } from "./scheduler-session.ts";
export type { SdkLogger } from "./shell-util.ts";
export type { SdkMediaType } from "./wire-codec.ts";
