// Placing one run on an offer and the TaskInfo it launches with (reference §2.2, §2.5):
// Chronos's constraints (EQUALS / LIKE / UNLIKE over the offer's attributes, with a synthesized
// `hostname` attribute; LIKE and UNLIKE are full-match regexes over text, scalar and set
// values), the job's resources (Chronos's 0.1 cpu / 128 MB / 256 MB defaults for zeros), fetch
// URIs, environment (the variables Chronos gives every run, then the job's own), runAsUser,
// maxCompletionTime, and the container, passed on as a Mesos ContainerInfo.
import { commandTask, type RemainingOffer, type TaskInfoInput } from "../../sdk/offer-matching.ts";
import type { Offer } from "../../wire/offer.ts";
import type { Attribute, Resource } from "../../wire/resource.ts";
import { type FetchUri, type JobDefinition, resourcesOf } from "./job-definition.ts";
import type { RunRecord } from "./run-record.ts";

/** The values an attribute offers to a constraint; ranges take no part (as in Chronos). */
function attributeValues(a: Attribute): string[] {
  if (a.text !== undefined) return [a.text.value];
  if (a.scalar !== undefined) return [String(a.scalar.value)];
  if (a.set !== undefined) return [...(a.set.item ?? [])];
  return [];
}

/** The first constraint the offer fails, as `[attribute, op, value]` text; undefined if none. */
export function failedConstraint(job: JobDefinition, offer: Offer): string | undefined {
  for (const [attribute, op, value] of job.constraints) {
    const values =
      attribute === "hostname"
        ? [offer.hostname]
        : (offer.attributes ?? []).filter((a) => a.name === attribute).flatMap(attributeValues);
    let ok: boolean;
    if (op === "EQUALS") ok = values.includes(value);
    else {
      const re = new RegExp(`^(?:${value})$`);
      const matches = values.some((v) => re.test(v));
      // UNLIKE holds on an agent without the attribute, as in Chronos.
      ok = op === "LIKE" ? matches : !matches;
    }
    if (!ok) return `${attribute} ${op} ${value}`;
  }
  return undefined;
}

/** The problem with a constraint list, for the 400 on write; undefined when they are fine. */
export function constraintProblem(job: JobDefinition): string | undefined {
  for (const [attribute, op, value] of job.constraints) {
    if (op !== "EQUALS" && op !== "LIKE" && op !== "UNLIKE")
      return `Constraint operator '${op}' of '${attribute}' is not one of EQUALS, LIKE, UNLIKE`;
    if (op !== "EQUALS") {
      try {
        new RegExp(value);
      } catch {
        return `Constraint '${attribute} ${op} ${value}' is not a valid regular expression`;
      }
    }
  }
  return undefined;
}

export function needsOf(job: JobDefinition): { cpus: number; memMb: number; diskMb: number } {
  const r = resourcesOf(job);
  return { cpus: r.cpus, memMb: r.mem, diskMb: r.disk };
}

/** Which resource the offer lacks for the job, by name; undefined when it fits. */
export function missingResource(job: JobDefinition, offer: RemainingOffer): string | undefined {
  const needs = needsOf(job);
  if (offer.scalar("cpus") < needs.cpus) return "cpus";
  if (offer.scalar("mem") < needs.memMb) return "mem";
  if (offer.scalar("disk") < needs.diskMb) return "disk";
  return undefined;
}

export interface TaskContext {
  readonly offer: Offer;
  readonly taken: readonly Resource[];
  readonly defaultUser: string | undefined;
}

/** The TaskInfo of the run's current attempt (its task id already assigned). */
export function jobTaskInfo(job: JobDefinition, run: RunRecord, ctx: TaskContext): TaskInfoInput {
  const r = resourcesOf(job);
  const env: Record<string, string> = {
    MESOS_TASK_ID: run.taskId as string,
    CHRONOS_JOB_OWNER: job.owner,
    CHRONOS_JOB_NAME: job.name,
    HOST: ctx.offer.hostname,
    CHRONOS_RESOURCE_MEM: String(r.mem),
    CHRONOS_RESOURCE_CPU: String(r.cpus),
    CHRONOS_RESOURCE_DISK: String(r.disk),
    CHRONOS_JOB_RUN_TIME: new Date(run.dueMs).toISOString(),
    CHRONOS_JOB_RUN_ATTEMPT: String(run.attempt),
  };
  for (const v of job.environmentVariables) env[v.name] = v.value;
  const args = [...job.arguments, ...run.arguments];
  const user = job.runAsUser ?? ctx.defaultUser;
  const task = commandTask({
    id: run.taskId as string,
    name: `ChronosTask:${job.name}`,
    agentId: ctx.offer.agent_id.value,
    // shell=true: `/bin/sh -c command`, arguments ignored (Chronos); else argv.
    cmd: job.shell ? job.command : [job.command, ...args],
    shell: job.shell,
    resources: ctx.taken,
    env,
    ...(user === undefined ? {} : { user }),
    labels: { "tessera.jobs/job": job.name, "tessera.jobs/run": run.runId },
  });
  if (!job.shell && task.command !== undefined) task.command.arguments = [job.command, ...args];
  const uris: FetchUri[] =
    job.fetch.length > 0
      ? job.fetch
      : job.uris.map((uri) => ({ uri, extract: true, executable: false, cache: false }));
  if (uris.length > 0 && task.command !== undefined) {
    task.command.uris = uris.map((u) => ({
      value: u.uri,
      extract: u.extract,
      executable: u.executable,
      cache: u.cache,
      ...(u.output_file === undefined ? {} : { output_file: u.output_file }),
    }));
  }
  if (job.maxCompletionTime > 0)
    task.max_completion_time = { nanoseconds: Math.round(job.maxCompletionTime * 1e9) };
  if (job.taskInfoData !== "") task.data = Buffer.from(job.taskInfoData).toString("base64");
  if (job.container !== null) task.container = containerInfo(job);
  return task;
}

/** Chronos's container object as a Mesos ContainerInfo (the image is run by another issue). */
function containerInfo(job: JobDefinition): NonNullable<TaskInfoInput["container"]> {
  const c = job.container as NonNullable<JobDefinition["container"]>;
  const volumes = c.volumes.map((v) => ({
    container_path: v.containerPath,
    ...(v.hostPath === undefined ? {} : { host_path: v.hostPath }),
    mode: v.mode,
  }));
  if (c.type === "MESOS")
    return {
      type: "MESOS",
      volumes,
      mesos: { image: { type: "DOCKER", docker: { name: c.image }, cached: !c.forcePullImage } },
    };
  return {
    type: "DOCKER",
    volumes,
    docker: {
      image: c.image,
      network: c.network,
      force_pull_image: c.forcePullImage,
      parameters: c.parameters.map((p) => ({ key: p.key, value: p.value })),
    },
  };
}
