// The agent's Mesos metrics (reference §4.6): registration and uptime, executors and tasks by
// phase and state, resources in total and used (revocable ones apart, as Mesos keys them),
// the status update, framework message and recovery counters, and the sandbox GC's.
import type { Resource } from "../../wire/resource.ts";
import type { AgentEndpointsContext } from "./endpoints.ts";
import { executorsOf } from "./operator-api.ts";

/** The scalar named `name` summed over `resources`, revocable ones or the others. */
function scalarSum(resources: readonly Resource[] | undefined, name: string, revocable: boolean) {
  let sum = 0;
  for (const r of resources ?? []) {
    if (r.name === name && (r.revocable !== undefined) === revocable) sum += r.scalar?.value ?? 0;
  }
  return sum;
}

export function registerAgentMetrics(ctx: AgentEndpointsContext): void {
  const { core, metrics } = ctx;
  const executors = () => executorsOf(core);
  const tasks = () => executors().flatMap((e) => [...e.tasks.values()]);
  metrics.pullGauge("slave/registered", () => (core.connection === "registered" ? 1 : 0));
  metrics.pullGauge("slave/uptime_secs", () => (Date.now() - ctx.startTimeMs) / 1000);
  metrics.pullGauge("slave/frameworks_active", () => core.frameworks.size);
  for (const phase of ["registering", "running", "terminating", "terminated"] as const) {
    metrics.pullGauge(
      `slave/executors_${phase}`,
      () => executors().filter((e) => e.phase === phase).length,
    );
  }
  for (const state of ["staging", "starting", "running", "killing"] as const) {
    const name = `TASK_${state.toUpperCase()}`;
    metrics.pullGauge(
      `slave/tasks_${state}`,
      () => tasks().filter((t) => t.task.state === name).length,
    );
  }
  const used = (name: string, revocable: boolean) => {
    let sum = 0;
    for (const e of executors()) {
      if (e.phase === "terminated") continue;
      sum += scalarSum(e.info.resources, name, revocable);
      for (const t of e.tasks.values()) {
        if (t.stage !== "terminated") sum += scalarSum(t.task.resources, name, revocable);
      }
    }
    return sum;
  };
  const counts = core.counts;
  for (const state of [
    "TASK_FINISHED",
    "TASK_FAILED",
    "TASK_KILLED",
    "TASK_LOST",
    "TASK_GONE",
  ] as const) {
    const key = `slave/tasks_${state.slice("TASK_".length).toLowerCase()}`;
    metrics.pullCounter(key, () => counts.tasksEnded.get(state) ?? 0);
  }
  metrics.pullCounter("slave/valid_status_updates", () => counts.validStatusUpdates);
  metrics.pullCounter("slave/invalid_status_updates", () => counts.invalidStatusUpdates);
  metrics.pullCounter("slave/valid_framework_messages", () => counts.validFrameworkMessages);
  metrics.pullCounter("slave/invalid_framework_messages", () => counts.invalidFrameworkMessages);
  metrics.pullCounter("slave/executors_preempted", () => counts.executorsPreempted);
  metrics.pullCounter("slave/container_launch_errors", () => counts.containerLaunchErrors);
  // Tessera's own: a checkpoint that cannot be written stops the agent taking work.
  metrics.pullCounter("slave/checkpoint_write_errors", () => counts.checkpointWriteErrors);
  metrics.pullCounter("slave/recovery_errors", () => ctx.recovery()?.errors ?? 0);
  // As in Mesos, the recovery time is there once recovery is done.
  metrics.pullGauge("slave/recovery_time_secs", () => (ctx.recovery()?.durationMs ?? 0) / 1000);
  metrics.pullCounter(
    "containerizer/mesos/container_destroy_errors",
    () => ctx.containerizer.errors().destroy,
  );
  // Tessera's own: failed writes of the runtime log (orphans it misses are not found).
  metrics.pullCounter(
    "containerizer/runtime_log_errors",
    () => ctx.containerizer.errors().runtimeLog,
  );
  metrics.pullGauge("gc/path_removals_pending", () => ctx.gcStats().pending);
  metrics.pullCounter("gc/path_removals_succeeded", () => ctx.gcStats().succeeded);
  metrics.pullCounter("gc/path_removals_failed", () => ctx.gcStats().failed);
  metrics.pullGauge(
    "slave/executor_directory_max_allowed_age_secs",
    () => ctx.gcStats().maxAllowedAgeMs / 1000,
  );
  for (const name of ["cpus", "gpus", "mem", "disk"]) {
    const total = () => scalarSum(ctx.agentInfo.resources, name, false);
    metrics.pullGauge(`slave/${name}_total`, total);
    metrics.pullGauge(`slave/${name}_used`, () => used(name, false));
    metrics.pullGauge(`slave/${name}_percent`, () =>
      total() > 0 ? used(name, false) / total() : 0,
    );
    const revocableTotal = () => scalarSum(core.oversubscribed, name, true);
    metrics.pullGauge(`slave/${name}_revocable_total`, revocableTotal);
    metrics.pullGauge(`slave/${name}_revocable_used`, () => used(name, true));
    metrics.pullGauge(`slave/${name}_revocable_percent`, () =>
      revocableTotal() > 0 ? used(name, true) / revocableTotal() : 0,
    );
  }
}
