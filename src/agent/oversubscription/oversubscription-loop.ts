// The agent shell's oversubscription loop: every --oversubscribed_resources_interval it samples
// each live container (what its tasks and executor were given, split into revocable and not,
// and the containerizer's measured cpu time and memory), asks the estimator for the revocable
// resources to report and the QoS controller for containers to end, and hands both to the
// core as inputs. Nothing runs without --resource_estimator or --qos_controller.
import type { Logger } from "pino";
import type { Resource } from "../../wire/resource.ts";
import type { Containerizer } from "../containerizer/containerizer.ts";
import type { AgentCore } from "../core/agent.ts";
import type { AgentInput } from "../core/types.ts";
import {
  type ContainerSample,
  qosCorrections,
  revocableResources,
  unusedResources,
} from "./estimate.ts";
import type { OversubscriptionFlags } from "./oversubscription-flags.ts";

export interface OversubscriptionDeps {
  readonly flags: OversubscriptionFlags;
  readonly core: AgentCore;
  readonly containerizer: Containerizer;
  readonly dispatch: (input: AgentInput) => void;
  readonly logger: Logger;
}

interface Given {
  cpus: number;
  memMb: number;
  revocableCpus: number;
  revocableMemMb: number;
}

function addScalars(into: Given, resources: readonly Resource[]): void {
  for (const r of resources) {
    const value = r.scalar?.value ?? 0;
    const revocable = r.revocable !== undefined;
    if (r.name === "cpus") {
      if (revocable) into.revocableCpus += value;
      else into.cpus += value;
    } else if (r.name === "mem") {
      if (revocable) into.revocableMemMb += value;
      else into.memMb += value;
    }
  }
}

const TERMINAL = /^TASK_(FINISHED|FAILED|KILLED|LOST|ERROR|DROPPED|GONE|GONE_BY_OPERATOR)$/;

/** One sample per live container, with its allocation from the core's records. */
export function sampleContainers(
  core: AgentCore,
  containerizer: Containerizer,
  firstSeenMs: Map<string, number>,
  nowMs: number,
): ContainerSample[] {
  const out: ContainerSample[] = [];
  for (const framework of core.frameworks.values()) {
    for (const executor of framework.executors.values()) {
      if (executor.phase === "terminated") continue;
      const given: Given = { cpus: 0, memMb: 0, revocableCpus: 0, revocableMemMb: 0 };
      addScalars(given, executor.info.resources ?? []);
      for (const task of executor.tasks.values()) {
        if (!TERMINAL.test(task.task.state)) addScalars(given, task.task.resources ?? []);
      }
      const usage = containerizer.usage(executor.containerId);
      const stats = usage.ok ? usage.value : undefined;
      if (!firstSeenMs.has(executor.containerId)) firstSeenMs.set(executor.containerId, nowMs);
      out.push({
        containerId: executor.containerId,
        launchedMs: firstSeenMs.get(executor.containerId) ?? nowMs,
        ...given,
        cpuSeconds:
          stats?.cpus_user_time_secs === undefined
            ? undefined
            : stats.cpus_user_time_secs + (stats.cpus_system_time_secs ?? 0),
        rssBytes: stats?.mem_rss_bytes,
        atSeconds: stats?.timestamp ?? nowMs / 1000,
      });
    }
  }
  return out;
}

export function startOversubscription(deps: OversubscriptionDeps): { stop(): void } {
  const { flags } = deps;
  if (flags.resourceEstimator === "" && flags.qosController === "") return { stop() {} };
  let previous = new Map<string, ContainerSample>();
  const firstSeenMs = new Map<string, number>();
  let lastCorrectionMs = Number.NEGATIVE_INFINITY;
  const tick = () => {
    const nowMs = Date.now();
    const samples = sampleContainers(deps.core, deps.containerizer, firstSeenMs, nowMs);
    if (flags.resourceEstimator !== "") {
      const resources =
        flags.resourceEstimator === "fixed"
          ? flags.fixedResources
          : revocableResources(unusedResources(samples, previous, "used"));
      deps.dispatch({ kind: "oversubscribed_resources", resources });
    }
    if (
      flags.qosController === "usage" &&
      nowMs - lastCorrectionMs >= flags.qosCorrectionIntervalMinMs
    ) {
      const unused = unusedResources(samples, previous, "idle");
      const corrections = qosCorrections(samples, unused);
      if (corrections.length > 0) lastCorrectionMs = nowMs;
      for (const containerId of corrections) {
        deps.logger.warn({ containerId, unused }, "QoS correction: ending a revocable container");
        deps.dispatch({ kind: "qos_correction", containerId });
      }
    }
    previous = new Map(samples.map((s) => [s.containerId, s]));
    for (const id of firstSeenMs.keys()) if (!previous.has(id)) firstSeenMs.delete(id);
  };
  const timer = setInterval(tick, flags.intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
