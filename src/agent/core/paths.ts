// The work dir layout of reference §8.2, as pure path functions shared by the core (sandbox
// paths handed to executors) and the checkpoint shell (meta files). Ids are Mesos-validated
// (`validateId`: no '/', not '.' or '..'), so they are safe path components.
import { join } from "node:path/posix";

export function agentSandboxRoot(workDir: string, agentId: string): string {
  return join(workDir, "slaves", agentId);
}

/** `<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>` (MESOS_DIRECTORY). */
export function sandboxPath(
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
  containerId: string,
): string {
  return join(
    agentSandboxRoot(workDir, agentId),
    "frameworks",
    frameworkId,
    "executors",
    executorId,
    "runs",
    containerId,
  );
}

export function metaDir(workDir: string): string {
  return join(workDir, "meta");
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

export function runMetaDir(
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
  containerId: string,
): string {
  return join(executorMetaDir(workDir, agentId, frameworkId, executorId), "runs", containerId);
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
