// The agent's wiring of the containers its operator API launches (src/agent/nested) to its
// core (which executor containers run, their sandboxes) and its launching shell (the pid files
// of their first processes, the resources of a standalone container).

import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import type { Containerizer } from "./containerizer/containerizer.ts";
import type { AgentCore } from "./core/agent.ts";
import { sandboxPath } from "./core/paths.ts";
import { containerResources, pidFile } from "./launching.ts";
import { AgentContainers } from "./nested/agent-containers.ts";
import type { NestedImages } from "./nested/image-container.ts";

export function apiContainers(
  core: AgentCore,
  containerizer: Containerizer,
  flags: { readonly workDir: string; readonly sandboxDirectory: string },
  logger: Logger,
  images?: NestedImages,
): AgentContainers {
  return new AgentContainers({
    workDir: flags.workDir,
    containerizer,
    images,
    sandboxMountPoint: containerizer.isolators.includes("filesystem/linux")
      ? flags.sandboxDirectory
      : null,
    logger,
    containerResources,
    executorContainer: (containerId) => {
      const agentId = core.agentId;
      if (agentId === undefined) return undefined;
      for (const framework of core.frameworks.values()) {
        for (const e of framework.executors.values()) {
          if (e.containerId !== containerId || e.phase === "terminated") continue;
          const ids = { frameworkId: e.frameworkId, executorId: e.id, containerId };
          let pid: number | undefined;
          try {
            pid = Number(readFileSync(pidFile(flags.workDir, agentId, ids), "utf8"));
          } catch {
            // Not written yet (the launch is in flight): no nested container can join it yet.
          }
          return {
            frameworkId: e.frameworkId,
            executorId: e.id,
            sandboxDir: sandboxPath(flags.workDir, agentId, e.frameworkId, e.id, containerId),
            pid: pid !== undefined && Number.isInteger(pid) && pid > 0 ? pid : undefined,
          };
        }
      }
      return undefined;
    },
  });
}
