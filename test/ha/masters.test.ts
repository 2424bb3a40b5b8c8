// `GET /master/masters` (Tessera's: the leader and the standbys, from the ZooKeeper election
// group): three master processes on real ZooKeeper list one leader and two standbys, every
// master (standbys too) gives the same answer, and after the leader is SIGKILLed the list
// follows: the new leader first, the one standby left, the dead master gone.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { eventually } from "../support/eventually.ts";
import { zooKeeperSkip } from "../support/zookeeper.ts";
import { getJson, HA_WAIT, HaCluster, type MasterProcess } from "./cluster.ts";

const skip = zooKeeperSkip().skip;

interface Info {
  id: string;
  port: number;
}
interface Masters {
  leader?: Info;
  standbys: Info[];
  self_id: string;
}

let cluster: HaCluster | undefined;
after(async () => {
  await cluster?.stop();
});

async function masters(m: MasterProcess): Promise<Masters | undefined> {
  const { status, json } = await getJson(`${m.url}/master/masters`);
  return status === 200 ? (json as Masters) : undefined;
}

/** Waits until every live master answers `leader` first and exactly `standbys` (by port). */
async function agreed(live: MasterProcess[], leader: MasterProcess, standbys: number[]) {
  const want = JSON.stringify({ leader: leader.port, standbys: [...standbys].sort() });
  return eventually(
    `every master to list ${want}`,
    async () => {
      const answers = await Promise.all(live.map(masters));
      const seen = answers.map((a) =>
        JSON.stringify({
          leader: a?.leader?.port,
          standbys: a?.standbys.map((s) => s.port).sort(),
        }),
      );
      return seen.every((s) => s === want) ? answers : undefined;
    },
    HA_WAIT,
  );
}

test("/master/masters lists the leader and two standbys, and follows a leader kill", {
  skip,
}, async () => {
  cluster = await HaCluster.start({
    masters: 3,
    agents: 0,
    masterFlags: { zk_session_timeout: "4secs" },
  });
  const c = cluster;
  const leader = await c.leader();
  const others = c.masters.filter((m) => m !== leader);
  const answers = await agreed(
    c.masters,
    leader,
    others.map((m) => m.port),
  );
  assert.equal(answers.length, 3);
  // Each names itself as the one answering, and the leader's id is the same everywhere.
  const ids = new Set(answers.map((a) => a?.self_id));
  assert.equal(ids.size, 3);
  assert.equal(new Set(answers.map((a) => a?.leader?.id)).size, 1);

  leader.kill("SIGKILL");
  await leader.exited;
  const next = await c.leader(leader.port);
  const left = others.filter((m) => m !== next);
  await agreed(
    others,
    next,
    left.map((m) => m.port),
  );
});
