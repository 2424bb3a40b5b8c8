// The zk registry backend against a real ZooKeeper: the shared registry contract, plus what is
// particular to ZooKeeper (size limits at 50,000 agents, fencing, orphaned chunks, corruption).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import zookeeper from "node-zookeeper-client";
import type { RegistryOperation } from "../../../src/master/core/registry-state.ts";
import { Registrar, RegistryStoreError } from "../../../src/master/registry/index.ts";
import { ZkRegistryBackend } from "../../../src/master/registry/zk-store.ts";
import type { AgentInfo } from "../../../src/wire/framework.ts";
import { ZooKeeperCluster, zooKeeperSkip } from "../../support/zookeeper.ts";
import { admit, expectedState, registryContract } from "./registry-contract.ts";

const skip = zooKeeperSkip();
let clusterStarting: Promise<ZooKeeperCluster> | undefined;
let pathCounter = 0;

function cluster(): Promise<ZooKeeperCluster> {
  clusterStarting ??= ZooKeeperCluster.start(1);
  return clusterStarting;
}

after(async () => {
  if (clusterStarting !== undefined) await (await clusterStarting).stop();
});

async function freshPath(): Promise<{ hosts: string; path: string }> {
  const zk = await cluster();
  pathCounter++;
  return { hosts: zk.hosts, path: `/tessera-test/registry-${pathCounter}/mesos` };
}

function openBackend(where: { hosts: string; path: string }): Promise<ZkRegistryBackend> {
  return ZkRegistryBackend.open({ connectString: where.hosts, path: where.path });
}

if (skip.skip === undefined) {
  registryContract({
    name: "zk",
    async setUp() {
      const where = await freshPath();
      return {
        open: async () => new Registrar(await openBackend(where)),
        async tearDown() {},
      };
    },
  });
}

/** A plain client for looking at the znodes directly. */
async function inspect<T>(hosts: string, body: (client: zookeeper.Client) => Promise<T>) {
  const client = zookeeper.createClient(hosts);
  const connected = new Promise<void>((resolve) => client.once("connected", () => resolve()));
  client.connect();
  await connected;
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

const call = <T>(f: (cb: (e: unknown, v: T) => void) => void) =>
  new Promise<T>((resolve, reject) => f((e, v) => (e ? reject(e) : resolve(v))));

/** An agent about the size of a real one: resources, attributes, a domain. */
function realisticAgent(i: number): RegistryOperation {
  const info = {
    hostname: `agent-${i}.rack-${i % 40}.example.com`,
    port: 5051,
    id: { value: `6a8f3c1e-4b2d-4f7a-9c0e-1d2b3a4c5d6e-S${i}` },
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 32 } },
      { name: "mem", type: "SCALAR", scalar: { value: 128_000 } },
      { name: "disk", type: "SCALAR", scalar: { value: 900_000 } },
      { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 32000 }] } },
    ],
    attributes: [{ name: "rack", type: "TEXT", text: { value: `rack-${i % 40}` } }],
    domain: { fault_domain: { region: { name: "eu-west" }, zone: { name: `zone-${i % 3}` } } },
  } as unknown as AgentInfo;
  return { type: "AdmitAgent", info };
}

describe("zk registry layout", skip, () => {
  test("50,000 agents are stored in znodes under 1 MB each and recovered exactly", async () => {
    const where = await freshPath();
    const store = new Registrar(await openBackend(where));
    await store.recover();
    const ops: RegistryOperation[] = [];
    for (let i = 0; i < 50_000; i++) ops.push(realisticAgent(i));
    await store.apply(ops);
    // A later small batch rewrites only the shard it touches.
    const more: RegistryOperation[] = [
      {
        type: "MarkAgentUnreachable",
        agentId: "6a8f3c1e-4b2d-4f7a-9c0e-1d2b3a4c5d6e-S7",
        unreachableTimeMs: 7,
      },
    ];
    await store.apply(more);
    await store.close();

    const sizes = await inspect(where.hosts, async (client) => {
      const root = `${where.path}/registry`;
      const children = await call<string[]>((cb) => client.getChildren(root, cb));
      const stats = await Promise.all(
        [root, ...children.map((c) => `${root}/${c}`)].map((p) =>
          call<zookeeper.Stat>((cb) => client.exists(p, cb)),
        ),
      );
      return stats.map((s) => s.dataLength);
    });
    assert.ok(sizes.length > 100, "the registry is split across many znodes");
    assert.ok(Math.max(...sizes) < 1024 * 1024, `largest znode ${Math.max(...sizes)} bytes`);

    const again = new Registrar(await openBackend(where));
    const { state, version } = await again.recover();
    assert.equal(state.admitted.size, 49_999);
    assert.equal(state.unreachable.size, 1);
    assert.deepEqual(state, expectedState([...ops, ...more]));
    assert.ok(version >= 2);
    await again.close();
  });

  test("a fenced writer's staged chunks never become visible and the next load removes them", async () => {
    const where = await freshPath();
    const old = await openBackend(where);
    const next = await openBackend(where);
    await old.load();
    await next.load();
    const registrar = new Registrar(next);
    await registrar.recover();
    await registrar.apply([admit("a1")]);
    // A big stale batch: staged in several transactions, then refused at the header swap.
    const agents = new Map();
    for (let i = 0; i < 20_000; i++) {
      const id = `stale-${i}`;
      agents.set(id, {
        status: "admitted",
        agent: { info: { hostname: "h", port: 5051, id: { value: id } }, deactivated: false },
      });
    }
    await assert.rejects(
      old.commit(0, { agents, weights: new Map(), quotas: new Map() }),
      (error: unknown) => error instanceof RegistryStoreError && error.code === "fenced",
    );
    await old.close();
    await registrar.close();

    const check = await openBackend(where);
    const { state, version } = await check.load();
    assert.deepEqual([...state.admitted.keys()], ["a1"]);
    assert.equal(version, 1);
    const children = await inspect(where.hosts, (client) =>
      call<string[]>((cb) => client.getChildren(`${where.path}/registry`, cb)),
    );
    assert.ok(
      children.every((name) => name.startsWith("1-")),
      `orphans left: ${children.length}`,
    );
    await check.close();
  });

  test("an unreadable header is reported as corrupt with what to do", async () => {
    const where = await freshPath();
    const backend = await openBackend(where);
    await backend.load();
    await inspect(where.hosts, (client) =>
      call<zookeeper.Stat>((cb) => client.setData(backend.rootPath, Buffer.from("{nope"), cb)),
    );
    await assert.rejects(backend.load(), (error: unknown) => {
      assert.ok(error instanceof RegistryStoreError);
      assert.equal(error.code, "corrupt");
      assert.match(error.message, /registry/);
      return true;
    });
    await backend.close();
  });

  test("no ZooKeeper answering is an io error within the connect bound", async () => {
    await assert.rejects(
      ZkRegistryBackend.open({ connectString: "127.0.0.1:1", path: "/x", connectTimeoutMs: 500 }),
      (error: unknown) => error instanceof RegistryStoreError && error.code === "io",
    );
  });
});
