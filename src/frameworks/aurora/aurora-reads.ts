// The Aurora API's read calls (getJobSummary, getTasksStatus, getPendingReason, getQuota,
// getJobUpdateDetails, getTierConfigs: the services engine's --tiers) and setQuota, read from the services engine's state
// (instances numbered as at launch, thermos-app.ts), the jobs framework and the master.
import { isThrottled } from "../services/instance.ts";
import type { ServicesState } from "../services/services-state.ts";
import { tierConfigJson } from "../services/tiers.ts";
import {
  AURORA_TASK_STATES,
  auroraTaskState,
  type CallResult,
  failed,
  ok,
} from "./aurora-response.ts";
import { answerMessage, type EngineClient } from "./engine-client.ts";
import { type JobKey, keyOfAppId, parseJobKey, serviceAppId } from "./job-key.ts";
import { jobOfDescription } from "./job-translate.ts";
import { instanceNumberOf } from "./thermos-app.ts";

export interface ReadsOptions {
  readonly cluster: string;
  readonly state: ServicesState;
  readonly engines: EngineClient;
  readonly nowMs: () => number;
}

type Body = Record<string, unknown>;

const isObject = (v: unknown): v is Body =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The fields of a services launch queue entry read here. */
interface QueueEntryJson {
  app?: { id?: string };
  /** Per waiting instance, where the engine explains it (the tiers engine does). */
  pendingReasons?: { instanceId: string; reason: string }[];
  processedOffersSummary?: { rejectSummaryLastOffers?: { reason: string; declined: number }[] };
}

/** The fields of the services engine's deployment JSON read here. */
interface DeploymentJson {
  id: string;
  affectedApps?: string[];
  currentStep?: number;
  totalSteps?: number;
  /** The update engine's Aurora update state, where the deployment is an update. */
  updateState?: string;
  updates?: Record<string, unknown>;
}

interface QuotaAnswer {
  get_quota?: {
    status?: { configs?: { role: string; guarantees?: Record<string, { value: number }> }[] };
  };
}

export class AuroraReads {
  protected readonly engines: EngineClient;

  constructor(private readonly reads: ReadsOptions) {
    this.engines = reads.engines;
  }

  protected async read(method: string, b: Body): Promise<CallResult> {
    switch (method) {
      case "getJobSummary":
        return this.jobSummary(typeof b.role === "string" ? b.role : undefined);
      case "getTasksStatus":
      case "getPendingReason":
      case "getJobUpdateDetails": {
        const key = this.queryKey(b);
        if (typeof key === "string") return failed("INVALID_REQUEST", key);
        if (method === "getTasksStatus") return ok({ tasks: this.tasksOf(key) });
        if (method === "getPendingReason") return this.pendingReasons(key);
        const update = isObject(b.key) ? b.key.id : undefined;
        return this.updateDetails(key, update);
      }
      case "getQuota":
        return this.quota(b.ownerRole ?? b.role);
      case "setQuota":
        return this.setQuota(b.ownerRole ?? b.role, b.quota);
      case "getTierConfigs":
        return ok(tierConfigJson(this.reads.state.tierConfig()));
      default:
        return failed("INVALID_REQUEST", `unknown method '${method}'`);
    }
  }

  /** Tasks of every service job by Aurora state, and the number of jobs (for /vars). */
  taskStateCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const state of AURORA_TASK_STATES) out[state] = 0;
    let jobs = 0;
    for (const v of this.reads.state.apps()) {
      const key = keyOfAppId(v.app.id, this.reads.cluster);
      if (key === undefined) continue;
      jobs += 1;
      for (const t of this.tasksOf(key)) out[t.status] = (out[t.status] ?? 0) + 1;
    }
    return { ...out, jobs };
  }

  /** A TaskQuery's job: `job` as a key string, or `role`/`environment`/`jobName`. */
  private queryKey(b: Body): JobKey | string {
    if (typeof b.job === "string") {
      const parsed = parseJobKey(b.job);
      return parsed.ok ? parsed.key : parsed.error;
    }
    const { role, environment, jobName } = b;
    if (typeof role === "string" && typeof environment === "string" && typeof jobName === "string")
      return { cluster: this.reads.cluster, role, environment, name: jobName };
    return "job: expected a job key cluster/role/environment/name";
  }

  /** The launched tasks of the instances asked for. */
  protected taskIdsOf(key: JobKey, instances: readonly number[]): string[] {
    return this.tasksOf(key)
      .filter((t) => instances.includes(t.assignedTask.instanceId) && t.assignedTask.taskId !== "")
      .map((t) => t.assignedTask.taskId);
  }

  /** The job's update in progress: the services deployment that touches its app. */
  protected deploymentOf(key: JobKey): string | undefined {
    return this.reads.state.deploymentsOf(serviceAppId(key))[0]?.id;
  }

  private tasksOf(key: JobKey) {
    const id = serviceAppId(key);
    const version = this.reads.state.app(id);
    const all = this.reads.state.instancesOf(id);
    const backoff = this.reads.state.backoff(id);
    const delayed = backoff !== undefined && backoff.untilMs > this.reads.nowMs();
    const names = (version?.app.portDefinitions ?? []).map((p) => p.name);
    return all.map((i) => {
      const ports: Record<string, number> = {};
      i.hostPorts.forEach((port, n) => {
        const name = names[n];
        if (name !== undefined) ports[name] = port;
      });
      return {
        assignedTask: {
          taskId: i.state === undefined ? "" : `${i.instanceId}._app.${i.incarnation}`,
          slaveId: i.agentId ?? "",
          slaveHost: i.agent?.hostname ?? "",
          instanceId: instanceNumberOf(all, i.instanceId),
          assignedPorts: ports,
          task: { job: { role: key.role, environment: key.environment, name: key.name } },
        },
        status: auroraTaskState(i.state, i.goal, delayed || isThrottled(i, this.reads.nowMs())),
        ...(i.startedAtMs === undefined
          ? {}
          : { startedAt: new Date(i.startedAtMs).toISOString() }),
      };
    });
  }

  /**
   * Why the job's pending instances wait, from the services engine's launch queue
   * (`GET /v2/queue`): its per-instance `pendingReasons` where the engine gives them (tiers:
   * THROTTLED, preemption holds), else the refusal most offers met.
   */
  private async pendingReasons(key: JobKey): Promise<CallResult> {
    const appId = serviceAppId(key);
    const answer = await this.engines.services("GET", "/v2/queue");
    if (answer.status !== 200) return failed("ERROR", answerMessage(answer));
    const queue = ((answer.body as { queue?: QueueEntryJson[] }).queue ?? []).find(
      (e) => e.app?.id === appId,
    );
    const all = this.reads.state.instancesOf(appId);
    const perInstance = queue?.pendingReasons;
    if (perInstance !== undefined)
      return ok({
        reasons: perInstance.map((r) => ({
          instanceId: instanceNumberOf(all, r.instanceId),
          reason: r.reason,
        })),
      });
    const top = [...(queue?.processedOffersSummary?.rejectSummaryLastOffers ?? [])].sort(
      (a, b) => b.declined - a.declined,
    )[0];
    const reason =
      top === undefined || top.declined === 0
        ? "waiting for an offer"
        : `offers declined: ${top.reason}`;
    const reasons = this.tasksOf(key)
      .filter((t) => t.status === "PENDING" || t.status === "THROTTLED")
      .map((t) => ({ instanceId: t.assignedTask.instanceId, reason }));
    return ok({ reasons });
  }

  /**
   * The job's updates as the services engine shows its deployments (`GET /v2/deployments`, or
   * `/v2/deployments/{id}` for `key.id`, which also answers for a finished update where the
   * engine keeps it): the deployment's `updateState` (ROLLING_FORWARD where it has none).
   */
  private async updateDetails(key: JobKey, updateId: unknown): Promise<CallResult> {
    const appId = serviceAppId(key);
    const answer =
      typeof updateId === "string"
        ? await this.engines.services("GET", `/v2/deployments/${updateId}`)
        : await this.engines.services("GET", "/v2/deployments");
    if (answer.status === 404) return ok({ updateDetailsList: [] });
    if (answer.status !== 200) return failed("ERROR", answerMessage(answer));
    const list = (Array.isArray(answer.body) ? answer.body : [answer.body]) as DeploymentJson[];
    const job = `${key.cluster}/${key.role}/${key.environment}/${key.name}`;
    const updateDetailsList = list
      .filter((d) => d.affectedApps?.includes(appId))
      .map((d) => ({
        update: {
          summary: {
            key: { job, id: d.id },
            state: { status: d.updateState ?? "ROLLING_FORWARD" },
          },
        },
        currentStep: d.currentStep,
        totalSteps: d.totalSteps,
        ...(d.updates?.[appId] === undefined ? {} : { instances: d.updates[appId] }),
      }));
    return ok({ updateDetailsList });
  }

  private async jobSummary(role: string | undefined): Promise<CallResult> {
    const summaries = [];
    for (const v of this.reads.state.apps()) {
      const key = keyOfAppId(v.app.id, this.reads.cluster);
      if (key === undefined || (role !== undefined && key.role !== role)) continue;
      const tasks = this.tasksOf(key);
      const count = (states: string[]) => tasks.filter((t) => states.includes(t.status)).length;
      summaries.push({
        job: { key, instanceCount: v.app.instances, cronSchedule: null },
        stats: {
          activeTaskCount: count(["ASSIGNED", "STARTING", "RUNNING", "KILLING"]),
          pendingTaskCount: count(["PENDING", "THROTTLED"]),
          finishedTaskCount: count(["FINISHED", "KILLED"]),
          failedTaskCount: count(["FAILED", "LOST"]),
        },
      });
    }
    summaries.push(...(await this.jobsFrameworkSummaries(role)));
    return ok({ summaries });
  }

  /** The cron and ad-hoc jobs the jobs framework runs for us (their description names them). */
  private async jobsFrameworkSummaries(role: string | undefined) {
    if (!this.engines.hasJobs) return [];
    const answer = await this.engines.jobs("GET", "jobs");
    if (answer.status !== 200 || !Array.isArray(answer.body)) return [];
    const out = [];
    for (const j of answer.body as { description?: string; cron?: string }[]) {
      const key = jobOfDescription(j.description ?? "", this.reads.cluster);
      if (key === undefined || (role !== undefined && key.role !== role)) continue;
      const stats = {
        activeTaskCount: 0,
        pendingTaskCount: 0,
        finishedTaskCount: 0,
        failedTaskCount: 0,
      };
      out.push({ job: { key, instanceCount: 1, cronSchedule: j.cron ?? null }, stats });
    }
    return out;
  }

  private async quota(role: unknown): Promise<CallResult> {
    if (typeof role !== "string" || role === "")
      return failed("INVALID_REQUEST", "ownerRole: missing");
    const answer = await this.engines.master({ type: "GET_QUOTA" });
    if (answer.status !== 200) return failed("ERROR", `master: ${answerMessage(answer)}`);
    const configs = (answer.body as QuotaAnswer).get_quota?.status?.configs ?? [];
    const g = configs.find((c) => c.role === role)?.guarantees ?? {};
    const prod = { numCpus: 0, ramMb: 0, diskMb: 0 };
    const nonProd = { numCpus: 0, ramMb: 0, diskMb: 0 };
    for (const v of this.reads.state.apps()) {
      const key = keyOfAppId(v.app.id, this.reads.cluster);
      if (key === undefined || key.role !== role) continue;
      const production = (v.app as { production?: boolean; tier?: string }).production === true;
      const into = production ? prod : nonProd;
      into.numCpus += v.app.cpus * v.app.instances;
      into.ramMb += v.app.mem * v.app.instances;
      into.diskMb += v.app.disk * v.app.instances;
    }
    return ok({
      quota: { numCpus: g.cpus?.value ?? 0, ramMb: g.mem?.value ?? 0, diskMb: g.disk?.value ?? 0 },
      prodSharedConsumption: prod,
      nonProdSharedConsumption: nonProd,
    });
  }

  /** Aurora's quota is the role's Mesos quota guarantee on the master (forced: not a reservation check). */
  private async setQuota(role: unknown, quota: unknown): Promise<CallResult> {
    if (typeof role !== "string" || role === "")
      return failed("INVALID_REQUEST", "ownerRole: missing");
    const q = (typeof quota === "object" && quota !== null ? quota : {}) as Record<string, unknown>;
    const guarantees: Record<string, { value: number }> = {};
    for (const [from, to] of [
      ["numCpus", "cpus"],
      ["ramMb", "mem"],
      ["diskMb", "disk"],
    ] as const) {
      const value = q[from];
      if (value === undefined) continue;
      if (typeof value !== "number" || value < 0)
        return failed("INVALID_REQUEST", `quota.${from}: expected a number >= 0`);
      guarantees[to] = { value };
    }
    const answer = await this.engines.master({
      type: "UPDATE_QUOTA",
      update_quota: { force: true, quota_configs: [{ role, guarantees, limits: {} }] },
    });
    return answer.status < 300
      ? ok({}, `quota of role '${role}' set`)
      : failed("ERROR", `master: ${answerMessage(answer)}`);
  }
}
