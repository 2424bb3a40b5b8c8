// The parts of the workload that are not an SDK scheduler:
//
// - operator writes (UPDATE_WEIGHTS, UPDATE_QUOTA, UPDATE_MAINTENANCE_SCHEDULE through /api/v1 of
//   whichever master ZooKeeper names leader), each recorded with whether it was answered 200,
//   and read back after healing (GET_WEIGHTS, GET_QUOTA, GET_MAINTENANCE_SCHEDULE).
// - the services framework (src/frameworks/services, its Marathon API) with one app whose
//   instance count the nemesis run changes; after healing its running instances must match.
// (The jobs framework's workload is in jobs-workload.ts.)
import type { SeededRandom } from "../../src/base/prng.ts";
import { type RunningServices, startServices } from "../../src/frameworks/services/start.ts";
import type { OperatorWrite } from "./checks.ts";

/** Bound on one operator call or services API call. */
const CALL_TIMEOUT_MS = 2_000;
const WEIGHT_ROLES = ["nemesis-w1", "nemesis-w2"] as const;
const QUOTA_ROLE = "nemesis-q1";
/** The machine of the maintenance windows written: not an agent of the cluster. */
const MAINTENANCE_HOST = "nemesis-ghost";

/** POSTs JSON; a 307 from a master that is no longer leader is followed once, as clients do. */
async function post(
  url: string,
  body: unknown,
  redirects = 1,
): Promise<{ status: number; json: unknown }> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const text = await res.text();
    const location = res.headers.get("location");
    if (res.status === 307 && location !== null && redirects > 0)
      return post(new URL(location, url).toString(), body, redirects - 1);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json };
  } catch {
    return { status: 0, json: undefined };
  }
}

export class OperatorWrites {
  readonly writes: OperatorWrite[] = [];

  /** One write (a weight, a quota, or the maintenance schedule) chosen by `random`, sent to `leader`. */
  async writeOne(random: SeededRandom, leader: string | undefined): Promise<void> {
    const value = String(1 + random.nextInt(50));
    const pick = random.nextInt(4);
    let key: string;
    let call: unknown;
    if (pick < 2) {
      const role = WEIGHT_ROLES[pick] as string;
      key = `weight:${role}`;
      call = {
        type: "UPDATE_WEIGHTS",
        update_weights: { weight_infos: [{ role, weight: Number(value) }] },
      };
    } else if (pick === 2) {
      key = `quota:${QUOTA_ROLE}`;
      call = {
        type: "UPDATE_QUOTA",
        update_quota: {
          force: true,
          quota_configs: [{ role: QUOTA_ROLE, guarantees: { mem: { value: Number(value) } } }],
        },
      };
    } else {
      // A window for a machine outside the cluster: a registry write that drains no agent.
      key = "maintenance";
      call = {
        type: "UPDATE_MAINTENANCE_SCHEDULE",
        update_maintenance_schedule: {
          schedule: {
            windows: [
              {
                machine_ids: [{ hostname: MAINTENANCE_HOST }],
                unavailability: { start: { nanoseconds: Number(value) * 1e12 } },
              },
            ],
          },
        },
      };
    }
    const write = { key, value, acknowledged: false };
    this.writes.push(write);
    if (leader === undefined) return;
    write.acknowledged = (await post(`${leader}/api/v1`, call)).status === 200;
  }

  /** The values the master at `leader` holds for the keys written, or undefined if it did not answer. */
  async readBack(leader: string): Promise<Map<string, string | undefined> | undefined> {
    const weights = await post(`${leader}/api/v1`, { type: "GET_WEIGHTS" });
    const quota = await post(`${leader}/api/v1`, { type: "GET_QUOTA" });
    const maintenance = await post(`${leader}/api/v1`, { type: "GET_MAINTENANCE_SCHEDULE" });
    if (weights.status !== 200 || quota.status !== 200 || maintenance.status !== 200)
      return undefined;
    const out = new Map<string, string | undefined>();
    const infos =
      (weights.json as { get_weights?: { weight_infos?: { role: string; weight: number }[] } })
        .get_weights?.weight_infos ?? [];
    for (const w of infos) out.set(`weight:${w.role}`, String(w.weight));
    const configs =
      (
        quota.json as {
          get_quota?: {
            status?: {
              configs?: { role: string; guarantees?: Record<string, { value: number }> }[];
            };
          };
        }
      ).get_quota?.status?.configs ?? [];
    for (const c of configs) {
      const mem = c.guarantees?.mem?.value;
      if (mem !== undefined) out.set(`quota:${c.role}`, String(mem));
    }
    const windows =
      (
        maintenance.json as {
          get_maintenance_schedule?: {
            schedule?: {
              windows?: { unavailability?: { start?: { nanoseconds?: number | string } } }[];
            };
          };
        }
      ).get_maintenance_schedule?.schedule?.windows ?? [];
    const start = windows[0]?.unavailability?.start?.nanoseconds;
    if (start !== undefined) out.set("maintenance", String(Number(start) / 1e12));
    return out;
  }
}

export const SERVICES_APP_ID = "/nemesis-web";

/** The services framework with one app; `instances` is the count last answered 200. */
export class ServicesWorkload {
  instances = 2;
  /** Instance counts sent whose answer never came (any of them may be the one applied). */
  uncertain = new Set<number>();

  private constructor(readonly services: RunningServices) {}

  static async start(zkUrl: string, dataDir: string): Promise<ServicesWorkload> {
    const services = await startServices({ master: zkUrl, dataDir, httpPort: 0 });
    const workload = new ServicesWorkload(services);
    const app = {
      id: SERVICES_APP_ID,
      cmd: "sleep 600",
      instances: workload.instances,
      cpus: 0.05,
      mem: 8,
      portDefinitions: [],
      env: { NEMESIS_SERVICE: "1" },
    };
    // The cluster is still starting on a loaded machine: retry a call that got no answer.
    let status = 0;
    for (let attempt = 0; attempt < 30 && status === 0; attempt++)
      status = (await post(`${services.url}/v2/apps`, app)).status;
    if (status !== 201 && status !== 200 && status !== 409)
      throw new Error(`services: POST /v2/apps answered ${status}`);
    return workload;
  }

  /** Changes the app's instance count (1..3). */
  async scale(random: SeededRandom): Promise<void> {
    const target = 1 + random.nextInt(3);
    try {
      const res = await fetch(`${this.services.url}/v2/apps${SERVICES_APP_ID}?force=true`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: target }),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      await res.text();
      if (res.status === 200) {
        this.instances = target;
        this.uncertain.clear();
      }
    } catch {
      this.uncertain.add(target);
    }
  }

  /** Running instances as the framework's API reports them, or undefined. */
  async running(): Promise<{ instances: number; tasksRunning: number } | undefined> {
    try {
      const res = await fetch(`${this.services.url}/v2/apps${SERVICES_APP_ID}`, {
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      const json = (await res.json()) as { app?: { instances: number; tasksRunning: number } };
      return json.app;
    } catch {
      return undefined;
    }
  }

  /** The app's tasks as the framework's API lists them ("id:state ..."), for a violation's detail. */
  async knownTasks(): Promise<string> {
    try {
      const res = await fetch(`${this.services.url}/v2/apps${SERVICES_APP_ID}/tasks`, {
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      const json = (await res.json()) as { tasks?: { id: string; state?: string }[] };
      return (json.tasks ?? []).map((t) => `${t.id}:${t.state ?? "?"}`).join(" ");
    } catch {
      return "?";
    }
  }

  get frameworkId(): string | undefined {
    return this.services.state.frameworkId();
  }

  close(): Promise<void> {
    return this.services.close();
  }
}
