// Registry throughput and recovery: how fast agents are admitted and marked unreachable with the
// change durable before acknowledgement, and how long a master takes to recover a large registry.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RegistryOperation } from "../src/master/core/registry-state.ts";
import {
  MemoryRegistryStorage,
  type OpenRegistryOptions,
  openRegistry,
} from "../src/master/registry/index.ts";
import type { AgentInfo } from "../src/wire/framework.ts";
import { type BenchRow, type BenchSuite, nowMs, round, summarise } from "./harness.ts";

const ADMITTED_AGENTS = 10_000;
const ADMIT_BATCH_SIZE = 100;
const UNREACHABLE_AGENTS = 1_000;
const RECOVER_AGENTS = 50_000;
const RECOVER_RUNS = 3;

/** An AgentInfo of realistic size (resources and attributes like a real agent's). */
function agentInfo(i: number): AgentInfo {
  const id = `bench-master-S${i}`;
  return {
    hostname: `agent-${i}.dc1.example.com`,
    port: 5051,
    id: { value: id },
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 32 } },
      { name: "mem", type: "SCALAR", scalar: { value: 128_000 } },
      { name: "disk", type: "SCALAR", scalar: { value: 900_000 } },
      { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 32000 }] } },
    ],
    attributes: [
      { name: "rack", type: "TEXT", text: { value: `rack-${i % 40}` } },
      { name: "zone", type: "TEXT", text: { value: `zone-${i % 3}` } },
    ],
  } as never;
}

const admit = (i: number): RegistryOperation => ({ type: "AdmitAgent", info: agentInfo(i) });

interface Backend {
  name: "sqlite" | "in_memory";
  options(): OpenRegistryOptions;
  cleanUp(): void;
}

function sqliteBackend(): Backend {
  const workDir = mkdtempSync(join(tmpdir(), "tessera-bench-registry-"));
  return {
    name: "sqlite",
    options: () => ({ kind: "sqlite", workDir }),
    cleanUp: () => rmSync(workDir, { recursive: true, force: true }),
  };
}

function memoryBackend(): Backend {
  const storage = new MemoryRegistryStorage();
  return { name: "in_memory", options: () => ({ kind: "in_memory", storage }), cleanUp() {} };
}

async function throughput(backend: Backend): Promise<BenchRow[]> {
  const store = await openRegistry(backend.options());
  await store.recover();
  const admitBatchMs: number[] = [];
  const admitStart = nowMs();
  for (let first = 0; first < ADMITTED_AGENTS; first += ADMIT_BATCH_SIZE) {
    const ops: RegistryOperation[] = [];
    for (let i = first; i < first + ADMIT_BATCH_SIZE; i++) ops.push(admit(i));
    const start = nowMs();
    await store.apply(ops);
    admitBatchMs.push(nowMs() - start);
  }
  const admitTotalMs = nowMs() - admitStart;

  // One durable batch per agent, awaited one after the other: the worst case for the registrar.
  const unreachableMs: number[] = [];
  const unreachableStart = nowMs();
  for (let i = 0; i < UNREACHABLE_AGENTS; i++) {
    const start = nowMs();
    await store.apply([
      { type: "MarkAgentUnreachable", agentId: `bench-master-S${i}`, unreachableTimeMs: i },
    ]);
    unreachableMs.push(nowMs() - start);
  }
  const unreachableTotalMs = nowMs() - unreachableStart;

  // The same number of changes issued concurrently: the registrar batches them.
  const concurrentStart = nowMs();
  const reachable: Promise<unknown>[] = [];
  for (let i = 0; i < UNREACHABLE_AGENTS; i++) {
    reachable.push(store.apply([{ type: "MarkAgentReachable", info: agentInfo(i) }]));
  }
  await Promise.all(reachable);
  const concurrentTotalMs = nowMs() - concurrentStart;
  await store.close();

  const admitBatch = summarise(admitBatchMs);
  const unreachableBatch = summarise(unreachableMs);
  const backendName = backend.name;
  return [
    {
      name: "admit agents, batches of 100",
      value: Math.round((ADMITTED_AGENTS / admitTotalMs) * 1000),
      unit: "ops/s",
      backend: backendName,
      agents: ADMITTED_AGENTS,
    },
    {
      name: "admit: one durable batch of 100",
      value: admitBatch.medianMs,
      unit: "ms (median)",
      backend: backendName,
      maxMs: admitBatch.maxMs,
    },
    {
      name: "mark unreachable, one batch each",
      value: Math.round((UNREACHABLE_AGENTS / unreachableTotalMs) * 1000),
      unit: "ops/s",
      backend: backendName,
      registrySize: ADMITTED_AGENTS,
    },
    {
      name: "mark unreachable: one durable batch",
      value: unreachableBatch.medianMs,
      unit: "ms (median)",
      backend: backendName,
      maxMs: unreachableBatch.maxMs,
    },
    {
      name: "mark reachable, 1000 concurrent calls",
      value: Math.round((UNREACHABLE_AGENTS / concurrentTotalMs) * 1000),
      unit: "ops/s",
      backend: backendName,
      totalMs: round(concurrentTotalMs),
    },
  ];
}

async function recovery(backend: Backend): Promise<BenchRow[]> {
  const store = await openRegistry(backend.options());
  await store.recover();
  const BATCH = 5_000;
  for (let first = 0; first < RECOVER_AGENTS; first += BATCH) {
    const ops: RegistryOperation[] = [];
    for (let i = first; i < first + BATCH; i++) ops.push(admit(i));
    await store.apply(ops);
  }
  await store.close();
  const samples: number[] = [];
  for (let run = 0; run < RECOVER_RUNS; run++) {
    const start = nowMs();
    const again = await openRegistry(backend.options());
    const { state } = await again.recover();
    samples.push(nowMs() - start);
    if (state.admitted.size !== RECOVER_AGENTS) throw new Error("recovered the wrong registry");
    await again.close();
  }
  return [
    {
      name: "open + recover 50,000 agents",
      value: summarise(samples).medianMs,
      unit: "ms (median)",
      backend: backend.name,
      runs: RECOVER_RUNS,
    },
  ];
}

export const suite: BenchSuite = {
  name: "registry",
  description: `admit ${ADMITTED_AGENTS} agents, mark ${UNREACHABLE_AGENTS} unreachable, recover ${RECOVER_AGENTS}`,
  async run() {
    const rows: BenchRow[] = [];
    for (const make of [sqliteBackend, memoryBackend]) {
      for (const measure of [throughput, recovery]) {
        const backend = make();
        try {
          rows.push(...(await measure(backend)));
        } finally {
          backend.cleanUp();
        }
      }
    }
    return rows;
  },
};
