// The work dir layout of reference §8.2, as pure path functions shared by the core (sandbox
// paths handed to executors) and the checkpoint shell (meta files). Ids are Mesos-validated
// (`validateId`: no '/', not '.' or '..'), so they are safe path components.
import { join } from "node:path/posix";

export function agentSandboxRoot(workDir: string, agentId: string): string {
  return join(workDir, "slaves", agentId);
}

/** The ids that name one executor run, in path order. */
type RunPathIds = [agentId: string, frameworkId: string, executorId: string, containerId: string];

/** `frameworks/<fw>/executors/<ex>/runs/<container>`: a run below an agent's directory, in the
 *  sandboxes and in the meta dir alike. */
function runSegments(frameworkId: string, executorId: string, containerId: string): string[] {
  return ["frameworks", frameworkId, "executors", executorId, "runs", containerId];
}

/** `<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>` (MESOS_DIRECTORY). */
export function sandboxPath(workDir: string, ...[agentId, fw, ex, c]: RunPathIds): string {
  return join(agentSandboxRoot(workDir, agentId), ...runSegments(fw, ex, c));
}

export function metaDir(workDir: string): string {
  return join(workDir, "meta");
}

/** The checkpointed resources (Mesos's `meta/resources/resources_and_operations.state`). */
export function resourcesStatePath(workDir: string): string {
  return join(metaDir(workDir), "resources", "resources_and_operations.state");
}

export function bootIdPath(workDir: string): string {
  return join(metaDir(workDir), "boot_id");
}

export function latestAgentLink(workDir: string): string {
  return join(metaDir(workDir), "slaves", "latest");
}

export function agentMetaDir(workDir: string, agentId: string): string {
  return join(metaDir(workDir), "slaves", agentId);
}

export function agentInfoPath(workDir: string, agentId: string): string {
  return join(agentMetaDir(workDir, agentId), "slave.info");
}

export function frameworkMetaDir(workDir: string, agentId: string, frameworkId: string): string {
  return join(agentMetaDir(workDir, agentId), "frameworks", frameworkId);
}

export function frameworkInfoPath(workDir: string, agentId: string, frameworkId: string): string {
  return join(frameworkMetaDir(workDir, agentId, frameworkId), "framework.info");
}

export function executorMetaDir(
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
): string {
  return join(frameworkMetaDir(workDir, agentId, frameworkId), "executors", executorId);
}

export function executorInfoPath(
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
): string {
  return join(executorMetaDir(workDir, agentId, frameworkId, executorId), "executor.info");
}

export function runMetaDir(workDir: string, ...[agentId, fw, ex, c]: RunPathIds): string {
  return join(agentMetaDir(workDir, agentId), ...runSegments(fw, ex, c));
}

export function taskMetaDir(
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
  containerId: string,
  taskId: string,
): string {
  return join(runMetaDir(workDir, agentId, frameworkId, executorId, containerId), "tasks", taskId);
}
