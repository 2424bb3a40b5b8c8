// The Aurora scheduler's calls (reference §3.1 "API & tools") as JSON: `POST /api/<method>`
// with a JSON body, answered in Aurora's Response shape. Each call is translated to the engine
// that runs the job: service jobs to the services engine (its Marathon REST API, in-process),
// cron and ad-hoc jobs to the jobs framework (its Chronos API), quota to the master. The read
// calls live in aurora-reads.ts. Job keys in bodies are `"cluster/role/env/name"` strings or
// Aurora's JobKey objects `{role, environment, name}`.

import { isActive } from "../services/instance.ts";
import type { AppId } from "../services/path-id.ts";
import { updateOrder } from "../services/update-control.ts";
import { AuroraReads, type ReadsOptions } from "./aurora-reads.ts";
import { type CallResult, failed, ok } from "./aurora-response.ts";
import { answerMessage, type EngineAnswer } from "./engine-client.ts";
import { type ParsedJob, parseJobFile } from "./job-file.ts";
import {
  formatJobKey,
  type JobKey,
  jobsFrameworkName,
  parseJobKey,
  serviceAppId,
} from "./job-key.ts";
import { jobsFrameworkJob, serviceApp } from "./job-translate.ts";
import { instanceNumberOf } from "./thermos-app.ts";

/** The calls served, in Aurora's names. */
export const AURORA_METHODS = [
  "createJob",
  "killTasks",
  "restartShards",
  "addInstances",
  "startJobUpdate",
  "pauseJobUpdate",
  "resumeJobUpdate",
  "abortJobUpdate",
  "rollbackJobUpdate",
  "pulseJobUpdate",
  "scheduleCronJob",
  "descheduleCronJob",
  "startCronJob",
  "getJobSummary",
  "getTasksStatus",
  "getPendingReason",
  "getQuota",
  "setQuota",
  "getJobUpdateDetails",
  "getTierConfigs",
] as const;
export type AuroraMethod = (typeof AURORA_METHODS)[number];

export interface AuroraApiOptions extends ReadsOptions {
  /** ZooKeeper servers for `announce` (the framework's ZooKeeper); undefined: none. */
  readonly zkServers?: string;
}

type Body = Record<string, unknown>;

const isObject = (v: unknown): v is Body =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Which Thermos update operation each call is, as the services REST path names it. */
const UPDATE_ACTIONS: Partial<Record<AuroraMethod, string>> = {
  pauseJobUpdate: "pause",
  resumeJobUpdate: "resume",
  pulseJobUpdate: "pulse",
};

export class AuroraApi extends AuroraReads {
  readonly counters: Record<string, number> = {};

  constructor(private readonly api: AuroraApiOptions) {
    super(api);
  }

  /** Runs one call; an unknown method is INVALID_REQUEST. */
  async call(method: string, body: unknown): Promise<CallResult> {
    if (!(AURORA_METHODS as readonly string[]).includes(method))
      return failed("INVALID_REQUEST", `unknown method '${method}'`);
    this.counters[method] = (this.counters[method] ?? 0) + 1;
    const b = isObject(body) ? body : {};
    const m = method as AuroraMethod;
    switch (m) {
      case "createJob":
        return this.withConfig(b, (job) => this.create(job));
      case "scheduleCronJob":
        return this.withConfig(b, (job) =>
          job.job.cron_schedule === undefined
            ? Promise.resolve(failed("INVALID_CONFIG", "cron_schedule: a cron job needs one"))
            : this.create(job),
        );
      case "startJobUpdate": {
        const range = instanceRangeOf(b);
        if (typeof range === "string") return failed("INVALID_REQUEST", range);
        return this.withConfig(b, (job) => this.startUpdate(job, range));
      }
      case "killTasks":
        return this.withKey(b, (key) => this.kill(key, numbers(b.instances)));
      case "restartShards":
        return this.withKey(b, (key) => this.restart(key, numbers(b.shardIds ?? b.instances)));
      case "addInstances":
        return this.withKey(b, (key) => this.addInstances(key, b.count));
      case "pauseJobUpdate":
      case "resumeJobUpdate":
      case "pulseJobUpdate":
        return this.withKey(b, (key) => this.updateAction(key, UPDATE_ACTIONS[m] as string));
      case "abortJobUpdate":
        return this.withKey(b, (key) => this.endUpdate(key, true));
      case "rollbackJobUpdate":
        return this.withKey(b, (key) => this.endUpdate(key, false));
      case "descheduleCronJob":
        return this.withKey(b, (key) => this.jobsCall("DELETE", key, "descheduled"));
      case "startCronJob":
        return this.withKey(b, (key) => this.jobsCall("PUT", key, "started"));
      default:
        return this.read(method, b);
    }
  }

  /** The job key of a body: `job` (or Aurora's `key.job`) as a string or JobKey object. */
  private keyOf(b: Body): JobKey | string {
    const raw = b.job ?? (isObject(b.key) ? b.key.job : undefined);
    if (typeof raw === "string") {
      const parsed = parseJobKey(raw);
      if (!parsed.ok) return parsed.error;
      if (parsed.key.cluster !== this.api.cluster)
        return `job key '${raw}' names cluster '${parsed.key.cluster}', this is '${this.api.cluster}'`;
      return parsed.key;
    }
    if (isObject(raw)) {
      const { role, environment, name } = raw;
      if (typeof role === "string" && typeof environment === "string" && typeof name === "string")
        return this.keyOf({ job: `${this.api.cluster}/${role}/${environment}/${name}` });
    }
    return "job: expected a job key cluster/role/environment/name";
  }

  private async withKey(b: Body, then: (key: JobKey) => Promise<CallResult>): Promise<CallResult> {
    const key = this.keyOf(b);
    return typeof key === "string" ? failed("INVALID_REQUEST", key) : then(key);
  }

  /** `config`: the job file's text (YAML or JSON); `job` picks one job of a file of many. */
  private async withConfig(
    b: Body,
    then: (job: ParsedJob) => Promise<CallResult>,
  ): Promise<CallResult> {
    if (typeof b.config !== "string")
      return failed("INVALID_REQUEST", "config: the job file's text is missing");
    const bindings = isObject(b.bindings) ? (b.bindings as Record<string, string>) : {};
    const parsed = parseJobFile(b.config, { cluster: this.api.cluster, bindings });
    if (!parsed.ok) return failed("INVALID_CONFIG", parsed.error);
    if (b.job === undefined) {
      if (parsed.jobs.length > 1)
        return failed("INVALID_REQUEST", "job: the file has several jobs, name one");
      return then(parsed.jobs[0] as ParsedJob);
    }
    const key = this.keyOf(b);
    if (typeof key === "string") return failed("INVALID_REQUEST", key);
    const wanted = formatJobKey(key);
    const found = parsed.jobs.find(
      (j) => formatJobKey({ cluster: this.api.cluster, ...j.job }) === wanted,
    );
    return found === undefined
      ? failed("INVALID_REQUEST", `job: the file has no job ${wanted}`)
      : then(found);
  }

  private async create(parsed: ParsedJob): Promise<CallResult> {
    const { job } = parsed;
    if (!job.service) {
      const chronos = jobsFrameworkJob(parsed);
      if (!chronos.ok) return failed("INVALID_CONFIG", chronos.error);
      if (!this.engines.hasJobs)
        return failed(
          "ERROR",
          "cron and ad-hoc jobs need the jobs framework, which is not running",
        );
      const exists = await this.engines.jobs("GET", `job/${jobsFrameworkName(job)}`);
      if (exists.status === 200 && job.cron_schedule === undefined)
        return failed("INVALID_REQUEST", `job ${this.keyText(job)} already exists`);
      return this.engineResult(await this.engines.jobs("POST", "iso8601", chronos.value));
    }
    const app = serviceApp(
      parsed,
      this.api.zkServers === undefined ? {} : { zkServers: this.api.zkServers },
    );
    if (!app.ok) return failed("INVALID_CONFIG", app.error);
    // Creating a job is not an update: failing first instances are replaced, never rolled back
    // (a rollback of a creation would remove the job). Updates carry the job's own setting.
    const strategy = app.value.upgradeStrategy as Record<string, unknown>;
    const answer = await this.engines.services("POST", "/v2/apps", {
      ...app.value,
      upgradeStrategy: { ...strategy, rollbackOnFailure: false },
    });
    if (answer.status === 409)
      return failed("INVALID_REQUEST", `job ${this.keyText(job)} already exists`);
    return this.engineResult(answer);
  }

  /** `range`: Aurora's updateOnlyTheseInstances (a canary), the engine's instanceRange. */
  private async startUpdate(
    parsed: ParsedJob,
    range: readonly [number, number] | undefined,
  ): Promise<CallResult> {
    if (!parsed.job.service)
      return failed(
        "INVALID_REQUEST",
        "updates are for service jobs; replace a cron job with scheduleCronJob",
      );
    const app = serviceApp(
      parsed,
      this.api.zkServers === undefined ? {} : { zkServers: this.api.zkServers },
    );
    if (!app.ok) return failed("INVALID_CONFIG", app.error);
    const id = serviceAppId(parsed.job);
    const current = this.api.state.app(id);
    if (current === undefined)
      return failed("INVALID_REQUEST", `job ${this.keyText(parsed.job)} does not exist`);
    let body = app.value;
    if (range !== undefined) {
      const positions = this.updatePositions(id, range);
      if (typeof positions === "string")
        return failed("INVALID_REQUEST", `updateOnlyTheseInstances: ${positions}`);
      // The instances outside the range keep their config, and the job its instance count.
      const strategy = app.value.upgradeStrategy as Record<string, unknown>;
      body = {
        ...app.value,
        instances: current.app.instances,
        upgradeStrategy: { ...strategy, instanceRange: positions },
      };
    }
    const answer = await this.engines.services("PUT", `/v2/apps${id}`, body);
    if (answer.status === 409) return failed("JOB_UPDATING_ERROR", answerMessage(answer));
    if (answer.status >= 300) return this.engineResult(answer);
    const deploymentId = (answer.body as { deploymentId?: string }).deploymentId ?? "";
    const key = { cluster: this.api.cluster, ...parsed.job };
    return ok({ key: { job: formatJobKey(key), id: deploymentId } });
  }

  /**
   * Aurora instance numbers `range` as the update engine's instanceRange: the positions of
   * those instances in the order an update takes them (updateOrder), which must be one run.
   */
  private updatePositions(
    id: AppId,
    [first, last]: readonly [number, number],
  ): [number, number] | string {
    const all = this.api.state.instancesOf(id);
    const order = all.filter((i) => i.goal === "Running" && isActive(i)).sort(updateOrder);
    const numbers = order.map((i) => instanceNumberOf(all, i.instanceId));
    const at: number[] = [];
    numbers.forEach((n, k) => {
      if (first <= n && n <= last) at.push(k);
    });
    if (at.length === 0)
      return `the job has no instance in ${first}-${last} (it has ${[...numbers].sort((a, b) => a - b).join(",")})`;
    const [from, to] = [at[0] as number, at[at.length - 1] as number];
    if (to - from + 1 !== at.length)
      return `instances ${first}-${last} are not one run in the update order; update them in parts`;
    return [from, to];
  }

  private async kill(key: JobKey, instances: number[] | undefined): Promise<CallResult> {
    const id = serviceAppId(key);
    if (this.api.state.app(id) === undefined) {
      if (this.engines.hasJobs) {
        const answer = await this.engines.jobs("DELETE", `job/${jobsFrameworkName(key)}`);
        if (answer.status < 300) return ok({}, `job ${formatJobKey(key)} killed`);
      }
      return failed("INVALID_REQUEST", `job ${formatJobKey(key)} does not exist`);
    }
    if (instances === undefined)
      return this.engineResult(await this.engines.services("DELETE", `/v2/apps${id}?force=true`));
    const taskIds = this.taskIdsOf(key, instances);
    if (taskIds.length === 0)
      return failed("INVALID_REQUEST", "no running task among those instances");
    return this.engineResult(
      await this.engines.services("POST", "/v2/tasks/delete?scale=true&force=true", {
        ids: taskIds,
      }),
    );
  }

  /** Restarting instances kills their tasks; the engine relaunches each (a new incarnation). */
  private async restart(key: JobKey, instances: number[] | undefined): Promise<CallResult> {
    const id = serviceAppId(key);
    if (this.api.state.app(id) === undefined)
      return failed("INVALID_REQUEST", `job ${formatJobKey(key)} does not exist`);
    if (instances === undefined)
      return this.engineResult(await this.engines.services("POST", `/v2/apps${id}/restart`));
    const taskIds = this.taskIdsOf(key, instances);
    if (taskIds.length === 0)
      return failed("INVALID_REQUEST", "no running task among those instances");
    return this.engineResult(
      await this.engines.services("POST", "/v2/tasks/delete?scale=false", { ids: taskIds }),
    );
  }

  private async addInstances(key: JobKey, count: unknown): Promise<CallResult> {
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1)
      return failed("INVALID_REQUEST", "count: expected a positive integer");
    const id = serviceAppId(key);
    const current = this.api.state.app(id);
    if (current === undefined)
      return failed("INVALID_REQUEST", `job ${formatJobKey(key)} does not exist`);
    const instances = current.app.instances + count;
    return this.engineResult(await this.engines.services("PUT", `/v2/apps${id}`, { instances }));
  }

  /** pause / resume / pulse the job's running update (the services engine's deployment). */
  private async updateAction(key: JobKey, action: string): Promise<CallResult> {
    const deployment = this.deploymentOf(key);
    if (deployment === undefined)
      return failed("INVALID_REQUEST", `job ${formatJobKey(key)} has no update in progress`);
    const answer = await this.engines.services("POST", `/v2/deployments/${deployment}/${action}`);
    // 409: the update's state does not allow it (paused already, no pulse interval, ...).
    if (answer.status === 409) return failed("INVALID_REQUEST", answerMessage(answer));
    return this.engineResult(answer);
  }

  /**
   * abort: stop where it is (Marathon's forced delete, ABORTED). rollback: the update
   * engine's `POST /v2/deployments/{id}/rollback` (batches replayed in reverse, ROLLING_BACK).
   */
  private async endUpdate(key: JobKey, abort: boolean): Promise<CallResult> {
    const deployment = this.deploymentOf(key);
    if (deployment === undefined)
      return failed("INVALID_REQUEST", `job ${formatJobKey(key)} has no update in progress`);
    const path = `/v2/deployments/${deployment}`;
    if (abort)
      return this.engineResult(await this.engines.services("DELETE", `${path}?force=true`));
    const rollback = await this.engines.services("POST", `${path}/rollback`);
    if (rollback.status === 409) return failed("INVALID_REQUEST", answerMessage(rollback));
    return this.engineResult(rollback);
  }

  private async jobsCall(method: string, key: JobKey, done: string): Promise<CallResult> {
    if (!this.engines.hasJobs) return failed("ERROR", "the jobs framework is not running");
    const answer = await this.engines.jobs(method, `job/${jobsFrameworkName(key)}`);
    if (answer.status === 404)
      return failed("INVALID_REQUEST", `cron job ${formatJobKey(key)} does not exist`);
    return answer.status < 300
      ? ok({}, `cron job ${formatJobKey(key)} ${done}`)
      : failed("ERROR", answerMessage(answer));
  }

  private keyText(job: Omit<JobKey, "cluster">): string {
    return formatJobKey({ cluster: this.api.cluster, ...job });
  }

  private engineResult(answer: EngineAnswer): CallResult {
    if (answer.status < 300) return ok({});
    // The engine's quota admission refuses with its reason as the whole body: Aurora answers a
    // job over its role's quota with INVALID_REQUEST and that reason.
    const quota = quotaRefusal(answer);
    if (quota !== undefined) return failed("INVALID_REQUEST", quota);
    if (answer.status === 422 || answer.status === 400)
      return failed("INVALID_CONFIG", answerMessage(answer));
    if (answer.status === 401 || answer.status === 403)
      return failed("AUTH_FAILED", answerMessage(answer));
    if (answer.status === 409) return failed("LOCK_ERROR", answerMessage(answer));
    if (answer.status === 404) return failed("INVALID_REQUEST", answerMessage(answer));
    return failed("ERROR", answerMessage(answer));
  }
}

function quotaRefusal(answer: EngineAnswer): string | undefined {
  if (answer.status !== 422) return undefined;
  const body = answer.body as {
    message?: string;
    details?: { path?: string; errors?: string[] }[];
  };
  const [only, ...more] = body.details ?? [];
  const whole = only?.path === "/" && more.length === 0 && only.errors?.[0] === body.message;
  return whole && /quota/i.test(body.message ?? "") ? body.message : undefined;
}

/**
 * startJobUpdate's `updateOnlyTheseInstances` (also under `settings`, as in Aurora's
 * JobUpdateRequest): ranges `{first, last}` that must join into one, since the update engine
 * updates one contiguous range. undefined: the whole job; a string: why it is refused.
 */
export function instanceRangeOf(b: Body): readonly [number, number] | undefined | string {
  const raw =
    b.updateOnlyTheseInstances ??
    (isObject(b.settings) ? b.settings.updateOnlyTheseInstances : undefined);
  if (raw === undefined) return undefined;
  const what = "updateOnlyTheseInstances";
  if (!Array.isArray(raw) || raw.length === 0)
    return `${what}: expected ranges [{first, last}, ...]`;
  const ranges: [number, number][] = [];
  for (const r of raw) {
    const { first, last } = isObject(r) ? r : {};
    if (!Number.isInteger(first) || !Number.isInteger(last) || (first as number) < 0)
      return `${what}: expected ranges {first, last} of instance numbers`;
    if ((first as number) > (last as number)) return `${what}: range ${first}-${last} is empty`;
    ranges.push([first as number, last as number]);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const joined = ranges[0] as [number, number];
  for (const [first, last] of ranges.slice(1)) {
    if (first > joined[1] + 1)
      return `${what}: this scheduler updates one contiguous range of instances at a time`;
    joined[1] = Math.max(joined[1], last);
  }
  return joined;
}

function numbers(value: unknown): number[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((v): v is number => typeof v === "number" && Number.isInteger(v));
}
