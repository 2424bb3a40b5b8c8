// Maintenance end to end (issue #14's acceptance): real ZooKeeper, masters as child processes,
// real agents, an SDK framework following the leader. A schedule makes two agents DRAINING:
// the framework holding resources there gets inverse offers (and accepts them through the
// SDK), its offers from those agents carry the window; a ZooKeeper failover and a restarted
// master keep the schedule; DOWN shuts the two agents down, their tasks are lost, agents there
// are refused (also by the next leader); UP lets agents there register again.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import {
  commandTask,
  type InverseOffer,
  RemainingOffer,
  SchedulerClient,
} from "../../src/sdk/index.ts";
import type { TaskStatus } from "../../src/wire/status.ts";
import { eventually } from "../support/eventually.ts";
import { zooKeeperSkip } from "../support/zookeeper.ts";
import { HA_WAIT, HaCluster, type MasterProcess } from "./cluster.ts";

const skip = zooKeeperSkip();
const DRAINED = ["maint-a", "maint-b"];
const HOSTS = [...DRAINED, "maint-c"];
const machine = (hostname: string) => ({ hostname, ip: "127.0.0.1" });
const WINDOW = {
  start: { nanoseconds: 1_900_000_000_000_000_000 },
  duration: { nanoseconds: 3_600_000_000_000 },
};

let cluster: HaCluster | undefined;
let framework: MaintenanceFramework | undefined;
afterEach(async () => {
  await framework?.stop().catch(() => undefined);
  await cluster?.stop();
  framework = undefined;
  cluster = undefined;
});

/**
 * One long task per agent hostname; records offers by hostname (with their window), inverse
 * offers (accepted through the SDK) and task states.
 */
class MaintenanceFramework {
  readonly client: SchedulerClient;
  readonly launched = new Map<string, string>();
  readonly states = new Map<string, TaskStatus>();
  readonly inverseOffers: InverseOffer[] = [];
  /** Latest offer seen per hostname: whether it carried an unavailability. */
  readonly windowByHost = new Map<string, boolean>();
  readonly #stopped: Promise<unknown>;

  constructor(
    zkUrl: string,
    readonly command: (hostname: string) => string,
  ) {
    this.client = new SchedulerClient({
      master: zkUrl,
      frameworkInfo: {
        user: process.env.USER ?? "root",
        name: "maintenance-test",
        failover_timeout: 3600,
        checkpoint: true,
      },
      backoffInitialMs: 100,
      backoffMaxMs: 1_000,
    });
    this.client.on("update", (status) => void this.states.set(status.task_id.value, status));
    this.client.on("inverseOffers", async (list) => {
      this.inverseOffers.push(...list);
      await this.client.acceptInverseOffers(list.map((io) => io.id.value));
    });
    this.client.on("offers", async (offers) => {
      for (const offer of offers) {
        this.windowByHost.set(offer.hostname, offer.unavailability !== undefined);
        const taken = new RemainingOffer(offer).take({ cpus: 0.1, memMb: 16 });
        if (this.launched.has(offer.hostname) || taken === undefined) {
          await this.client.decline([offer.id.value], { refuseSeconds: 0.05 });
          continue;
        }
        const id = `task-${offer.hostname}`;
        this.launched.set(offer.hostname, id);
        const task = commandTask({
          id,
          agentId: offer.agent_id.value,
          cmd: this.command(offer.hostname),
          resources: taken.resources,
        });
        await this.client.launch([offer.id.value], [task]);
      }
    });
    this.#stopped = this.client.start();
  }

  state(hostname: string): string | undefined {
    return this.states.get(`task-${hostname}`)?.state;
  }

  async stop(): Promise<void> {
    await this.client.stop();
    await this.#stopped;
  }
}

async function operator(master: MasterProcess, call: Record<string, unknown>) {
  const res = await fetch(`${master.url}/api/v1`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(call),
  });
  const text = await res.text();
  return { status: res.status, text, json: text === "" ? undefined : JSON.parse(text) };
}

async function maintenanceStatus(master: MasterProcess) {
  const res = await operator(master, { type: "GET_MAINTENANCE_STATUS" });
  return res.status === 200 ? res.json.get_maintenance_status.status : undefined;
}

/** Hostnames of the agents the leader knows as active. */
async function activeHosts(c: HaCluster): Promise<string[]> {
  const leader = await c.leader();
  const res = await fetch(`${leader.url}/master/slaves`);
  if (res.status !== 200) return [];
  const slaves = ((await res.json()) as { slaves?: { hostname: string; active: boolean }[] })
    .slaves;
  return (slaves ?? [])
    .filter((s) => s.active)
    .map((s) => s.hostname)
    .sort();
}

/** Kills the leading master and waits for another to lead with every running agent back. */
async function failOver(c: HaCluster, hosts: string[]): Promise<MasterProcess> {
  const old = await c.leader();
  old.kill("SIGKILL");
  await old.exited;
  const next = await c.leader(old.port);
  await eventually(
    `agents ${hosts.join(", ")} re-registered with the new leader`,
    async () => ((await activeHosts(c)).join() === [...hosts].sort().join() ? true : undefined),
    HA_WAIT,
  );
  return next;
}

/** A new agent on `hostname` must be refused: the master tells it to shut down at once. */
async function assertRefused(c: HaCluster, hostname: string): Promise<void> {
  const agent = await c.startAgent({ hostname });
  await eventually(
    "the refused agent to stop",
    async () => {
      let stopped = false;
      await Promise.race([agent.stopped.then(() => (stopped = true)), delay(50)]);
      return stopped ? true : undefined;
    },
    HA_WAIT,
  );
  assert.equal(agent.agentId(), undefined, `${hostname} was never registered`);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("maintenance with ZooKeeper failover", { skip: skip.skip, timeout: 600_000 }, () => {
  test("DRAINING gives inverse offers and windowed offers; DOWN kills and refuses the agents; UP lets them back; the schedule and modes survive a failover and a restarted master", {
    timeout: 400_000,
  }, async () => {
    cluster = await HaCluster.start({
      masters: 2,
      agents: 0,
      masterFlags: { zk_session_timeout: "4secs" },
      agentFlags: { registration_backoff_factor: "100ms" },
    });
    const c = cluster;
    for (const hostname of HOSTS) await c.startAgent({ hostname });
    // Each task writes its pid to pid-<hostname>, so the test can see DOWN kill it.
    const pidFile = (host: string) => join(c.dir, `pid-${host}`);
    const fw = new MaintenanceFramework(c.zkUrl, (host) =>
      c.taskCommand(`echo $$ > ${pidFile(host)}; exec sleep 600`),
    );
    framework = fw;
    await eventually(
      "a task running on every agent",
      () => (HOSTS.every((h) => fw.state(h) === "TASK_RUNNING") ? true : undefined),
      HA_WAIT,
    );

    // DRAINING: inverse offers for both agents, offers there carry the window, c's do not.
    let leader = await c.leader();
    const schedule = { windows: [{ machine_ids: DRAINED.map(machine), unavailability: WINDOW }] };
    const update = await operator(leader, {
      type: "UPDATE_MAINTENANCE_SCHEDULE",
      update_maintenance_schedule: { schedule },
    });
    assert.equal(update.status, 200, update.text);
    const drainedAgents = async () => {
      const res = await operator(await c.leader(), { type: "GET_AGENTS" });
      return (
        res.json.get_agents.agents as { agent_info: { hostname: string; id: { value: string } } }[]
      )
        .filter((a) => DRAINED.includes(a.agent_info.hostname))
        .map((a) => a.agent_info.id.value)
        .sort();
    };
    const askedFor = () =>
      [...new Set(fw.inverseOffers.map((io) => io.agent_id?.value ?? ""))].sort();
    const expected = await drainedAgents();
    await eventually(
      "inverse offers for both draining agents",
      () => (askedFor().join() === expected.join() ? true : undefined),
      HA_WAIT,
    );
    await eventually(
      "offers from draining agents carry the window",
      () => (DRAINED.every((h) => fw.windowByHost.get(h) === true) ? true : undefined),
      HA_WAIT,
    );
    assert.notEqual(fw.windowByHost.get("maint-c"), true, "maint-c is not scheduled");
    await eventually(
      "both ACCEPTs in the maintenance status",
      async () => {
        const status = await maintenanceStatus(await c.leader());
        const answers = (status?.draining_machines ?? []).flatMap(
          (m: { statuses?: { status: string }[] }) => m.statuses ?? [],
        );
        return answers.length === 2 &&
          answers.every((a: { status: string }) => a.status === "ACCEPT")
          ? true
          : undefined;
      },
      HA_WAIT,
    );

    // A ZooKeeper failover: the next leader has the schedule and asks again.
    fw.inverseOffers.length = 0;
    leader = await failOver(c, HOSTS);
    const got = await operator(leader, { type: "GET_MAINTENANCE_SCHEDULE" });
    assert.deepEqual(got.json.get_maintenance_schedule.schedule, schedule);
    await eventually(
      "inverse offers again after the failover",
      () => (askedFor().join() === expected.join() ? true : undefined),
      HA_WAIT,
    );
    // The killed master comes back as a fresh process (a restarted master), as a standby.
    await c.startMaster({ zk_session_timeout: "4secs" });

    // DOWN: both agents are shut down and removed, their tasks are lost.
    const down = await operator(leader, {
      type: "START_MAINTENANCE",
      start_maintenance: { machines: DRAINED.map(machine) },
    });
    assert.equal(down.status, 200, down.text);
    await eventually(
      "tasks on the DOWN machines are lost",
      () => (DRAINED.every((h) => fw.state(h) === "TASK_LOST") ? true : undefined),
      HA_WAIT,
    );
    assert.equal(fw.state("maint-c"), "TASK_RUNNING");
    const alive = (host: string) => isAlive(Number(readFileSync(pidFile(host), "utf8").trim()));
    await eventually(
      "the DOWN agents' task processes are killed",
      () => (DRAINED.every((h) => !alive(h)) ? true : undefined),
      HA_WAIT,
    );
    assert.ok(alive("maint-c"), "the task on maint-c still runs");
    const downed = c.agents.filter((a) => DRAINED.includes(a.flags.hostname ?? ""));
    await Promise.all(downed.map((a) => a.stopped));
    assert.deepEqual(await activeHosts(c), ["maint-c"]);
    await assertRefused(c, "maint-a");

    // The restarted master leads now: the machines are still DOWN and refused.
    leader = await failOver(c, ["maint-c"]);
    assert.deepEqual((await maintenanceStatus(leader)).down_machines, DRAINED.map(machine));
    await assertRefused(c, "maint-b");

    // UP: agents there register again, and their offers carry no window.
    const up = await operator(leader, {
      type: "STOP_MAINTENANCE",
      stop_maintenance: { machines: DRAINED.map(machine) },
    });
    assert.equal(up.status, 200, up.text);
    const schedule2 = await operator(leader, { type: "GET_MAINTENANCE_SCHEDULE" });
    assert.deepEqual(schedule2.json.get_maintenance_schedule.schedule, {});
    fw.windowByHost.clear();
    for (const hostname of DRAINED) await c.startAgent({ hostname });
    await eventually(
      "agents on the machines back UP register",
      async () => ((await activeHosts(c)).join() === [...HOSTS].sort().join() ? true : undefined),
      HA_WAIT,
    );
    await eventually(
      "offers from the machines back UP carry no window",
      () => (DRAINED.every((h) => fw.windowByHost.get(h) === false) ? true : undefined),
      HA_WAIT,
    );
  });
});
