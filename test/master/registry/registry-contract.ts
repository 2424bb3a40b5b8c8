// The behaviour every registry backend must show, run against each of them by
// registry-contract.test.ts. A "handle" is one master's view of the same stored registry.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  applyRegistryOperation,
  emptyRegistryState,
  type RegistryOperation,
  type RegistryState,
} from "../../../src/master/core/registry-state.ts";
import { type RegistryStore, RegistryStoreError } from "../../../src/master/registry/index.ts";
import type { AgentInfo } from "../../../src/wire/framework.ts";

export interface ContractBackend {
  name: string;
  /** A fresh, empty stored registry; `open` returns new handles on it. */
  setUp(): Promise<{ open(): Promise<RegistryStore>; tearDown(): Promise<void> }>;
}

export function agentInfo(id: string): AgentInfo {
  return { hostname: `host-${id}`, port: 5051, id: { value: id } } as AgentInfo;
}

export const admit = (id: string): RegistryOperation => ({
  type: "AdmitAgent",
  info: agentInfo(id),
});

/** One of every kind of registry content. */
export const RICH_OPERATIONS: RegistryOperation[] = [
  { type: "SetMasterInfo", info: { id: "master-1", ip: 1, port: 5050 } as never },
  admit("a1"),
  admit("a2"),
  admit("a3"),
  admit("a4"),
  { type: "MarkAgentUnreachable", agentId: "a2", unreachableTimeMs: 1_700_000_000_000 },
  { type: "MarkAgentGone", agentId: "a3", goneTimeMs: 1_700_000_000_500 },
  { type: "DrainAgent", agentId: "a4", config: { mark_gone: true } as never },
  { type: "UpdateWeights", weights: [{ role: "web", weight: 2.5 }] },
  {
    type: "UpdateQuota",
    configs: [{ role: "web", guarantees: { cpus: 1.5 }, limits: { cpus: 4, mem: 2048 } }],
  },
  {
    type: "UpdateMaintenanceSchedule",
    windows: [
      {
        machineIds: [{ hostname: "m1" }, { ip: "10.0.0.2" }],
        unavailability: { start: { nanoseconds: 5e9 }, duration: { nanoseconds: 3600e9 } },
      } as never,
    ],
  },
  { type: "StartMaintenance", machines: [{ hostname: "m1" }] },
];

export function expectedState(ops: RegistryOperation[]): RegistryState {
  const state = emptyRegistryState();
  for (const op of ops) applyRegistryOperation(state, op);
  return state;
}

async function recovered(open: () => Promise<RegistryStore>): Promise<RegistryStore> {
  const store = await open();
  await store.recover();
  return store;
}

export function registryContract(backend: ContractBackend): void {
  describe(`${backend.name} registry store`, () => {
    async function withRegistry(
      body: (open: () => Promise<RegistryStore>) => Promise<void>,
    ): Promise<void> {
      const fixture = await backend.setUp();
      try {
        await body(() => fixture.open());
      } finally {
        await fixture.tearDown();
      }
    }

    test("a fresh registry recovers empty at version 0", async () => {
      await withRegistry(async (open) => {
        const store = await open();
        assert.deepEqual(await store.recover(), { state: emptyRegistryState(), version: 0 });
        await store.close();
      });
    });

    test("recovering after close and reopen returns exactly the state written", async () => {
      await withRegistry(async (open) => {
        const store = await recovered(open);
        const results = await store.apply(RICH_OPERATIONS);
        assert.deepEqual(
          results.filter((r) => r.error !== undefined),
          [],
        );
        await store.close();
        const again = await open();
        const { state } = await again.recover();
        assert.deepEqual(state, expectedState(RICH_OPERATIONS));
        await again.close();
      });
    });

    test("each operation gets its own result and a failed one is not stored", async () => {
      await withRegistry(async (open) => {
        const store = await recovered(open);
        const results = await store.apply([
          admit("a1"),
          admit("a1"),
          { type: "MarkAgentUnreachable", agentId: "nope", unreachableTimeMs: 1 },
          admit("a2"),
        ]);
        assert.deepEqual(
          results.map((r) => [r.changed, r.error?.code]),
          [
            [true, undefined],
            [false, "agent_already_admitted"],
            [false, "agent_not_found"],
            [true, undefined],
          ],
        );
        await store.close();
        const again = await open();
        const { state, version } = await again.recover();
        assert.deepEqual([...state.admitted.keys()].sort(), ["a1", "a2"]);
        assert.equal(state.unreachable.size, 0);
        assert.equal(version, 1);
        await again.close();
      });
    });

    test("calls made together share one durable write; no-ops write nothing", async () => {
      await withRegistry(async (open) => {
        const store = await recovered(open);
        const all = await Promise.all([
          store.apply([admit("a1")]),
          store.apply([admit("a2")]),
          store.apply([admit("a3"), admit("a1")]),
        ]);
        assert.deepEqual(
          all.map((results) => results.map((r) => r.changed)),
          [[true], [true], [true, false]],
        );
        await store.apply([admit("a1"), { type: "RemoveAgent", agentId: "zz" }]);
        await store.close();
        const again = await open();
        const { state, version } = await again.recover();
        assert.equal(version, 1);
        assert.equal(state.admitted.size, 3);
        await again.close();
      });
    });

    test("the recovered state is a private copy that later writes do not change", async () => {
      await withRegistry(async (open) => {
        const store = await open();
        const { state } = await store.recover();
        await store.apply([admit("a1")]);
        assert.equal(state.admitted.size, 0);
        await store.close();
      });
    });

    test("a master whose registry was written by another master since is fenced off", async () => {
      await withRegistry(async (open) => {
        const old = await recovered(open);
        const next = await recovered(open);
        await next.apply([admit("a1")]);
        await assert.rejects(old.apply([admit("a2")]), (error: unknown) => {
          assert.ok(error instanceof RegistryStoreError);
          assert.equal(error.code, "fenced");
          return true;
        });
        // Once failed, the fenced store refuses everything after.
        await assert.rejects(old.apply([admit("a3")]), RegistryStoreError);
        await old.close();
        await next.close();
        const check = await open();
        const { state, version } = await check.recover();
        assert.deepEqual([...state.admitted.keys()], ["a1"]);
        assert.equal(version, 1);
        await check.close();
      });
    });

    test("applying before recovering is a programming error", async () => {
      await withRegistry(async (open) => {
        const store = await open();
        assert.throws(() => store.apply([admit("a1")]), /before recover/);
        await store.close();
      });
    });

    test("a closed store refuses writes", async () => {
      await withRegistry(async (open) => {
        const store = await recovered(open);
        await store.close();
        await assert.rejects(store.apply([admit("a1")]), RegistryStoreError);
      });
    });

    test("many agents survive a reopen with their last state", async () => {
      await withRegistry(async (open) => {
        const store = await recovered(open);
        const ops: RegistryOperation[] = [];
        for (let i = 0; i < 2000; i++) ops.push(admit(`a${i}`));
        await store.apply(ops);
        const more: RegistryOperation[] = [];
        for (let i = 0; i < 2000; i += 7) {
          more.push({ type: "MarkAgentUnreachable", agentId: `a${i}`, unreachableTimeMs: i });
        }
        await Promise.all(more.map((op) => store.apply([op])));
        await store.close();
        const again = await open();
        const { state } = await again.recover();
        assert.deepEqual(state, expectedState([...ops, ...more]));
        await again.close();
      });
    });
  });
}
