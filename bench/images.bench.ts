// Tasks in a container image against the same tasks without one (issue 15), in one run on
// one machine, with a real master and agent (agent.bench.ts's daemons) and an offline-built
// busybox image served from a tarball directory: the cold first image task (pull, unpack,
// launch), warm ACCEPT -> TASK_FINISHED p50/p99 of `true` in the image and without it, image
// tasks/s against no-image tasks/s, and `docker run --rm IMAGE true` as the reference row,
// through a private Docker engine's API with the same image loaded (else a row saying why). Targets: a warm image
// task at most 1.5x a no-image task (p50 and tasks/s), and >= 10x faster than docker run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBusyboxImage } from "../test/agent/images/image-fixture.ts";
import {
  dockerUnavailable,
  startDockerEngine,
  type TestEngine,
} from "../test/support/docker-engine.ts";
import {
  type BenchScheduler,
  percentile,
  removeWorkDirs,
  tasksFitting,
  withCluster,
} from "./agent.bench.ts";
import { type BenchRow, type BenchSuite, nowMs, round } from "./harness.ts";

function setting(name: string, fallback: number): number {
  const n = Number(process.env[`IMAGES_BENCH_${name}`]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

const LATENCY_TASKS = setting("LATENCY_TASKS", 100);
const THROUGHPUT_TASKS = setting("THROUGHPUT_TASKS", 300);
/** Throughput runs alternate without and with the image, so neither always runs second on a
 *  file system the other has just churned; each kind's row is the median of its runs. */
const THROUGHPUT_ROUNDS = setting("THROUGHPUT_ROUNDS", 3);
const DOCKER_RUNS = setting("DOCKER_RUNS", 20);
const ISOLATION = "posix/cpu,posix/mem,filesystem/linux";
const IMAGE = { type: "MESOS", mesos: { image: { type: "DOCKER", docker: { name: "busybox" } } } };

// biome-ignore lint/suspicious/noExplicitAny: JSON from the wire, read by path
type Loose = Record<string, any>;

async function finish(
  s: BenchScheduler,
  id: string,
  container: Loose | undefined,
): Promise<Map<string, number>> {
  const offer = await s.until(() => s.offers.shift());
  await s.accept(offer, [
    { id, command: "true", ...(container === undefined ? {} : { container }) },
  ]);
  const states = await s.until(() => {
    const m = s.seen.get(id);
    return m?.has("TASK_FINISHED") || m?.has("TASK_FAILED") ? m : undefined;
  });
  if (!states.has("TASK_FINISHED")) throw new Error(`bench: ${id} did not finish`);
  return states;
}

async function latencies(
  s: BenchScheduler,
  prefix: string,
  container: Loose | undefined,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < LATENCY_TASKS + 3; i++) {
    const start = nowMs();
    const states = await finish(s, `${prefix}-${i}`, container);
    if (i >= 3) out.push((states.get("TASK_FINISHED") ?? Number.NaN) - start);
  }
  return out;
}

/** A ratio row whose target is at most 1.5 (a warm image task against a plain one). */
function targetAtMost(name: string, value: number, ctx: object): BenchRow {
  return { name, value, unit: "x", ...ctx, target: "<= 1.5", met: value <= 1.5 ? "yes" : "no" };
}

/** Tasks/s of `true` to TASK_FINISHED, all launched on the offers as they come. */
async function rate(
  s: BenchScheduler,
  prefix: string,
  container: Loose | undefined,
): Promise<number> {
  const target = s.ended + THROUGHPUT_TASKS;
  const start = nowMs();
  let launched = 0;
  while (launched < THROUGHPUT_TASKS) {
    const offer = await s.until(() => s.offers.shift());
    const batch = Math.min(50, THROUGHPUT_TASKS - launched, tasksFitting(offer));
    if (batch === 0) continue;
    const tasks = Array.from({ length: batch }, (_, k) => ({
      id: `${prefix}-${launched + k}`,
      command: "true",
      ...(container === undefined ? {} : { container }),
    }));
    launched += batch;
    await s.accept(offer, tasks);
  }
  await s.until(() => (s.ended >= target ? true : undefined));
  return Math.round(THROUGHPUT_TASKS / ((nowMs() - start) / 1000));
}

/** `docker run --rm busybox true` through a private engine's API (create, start, wait,
 *  remove, as the CLI does), with the same image loaded; a row saying why where no engine
 *  starts. */
async function dockerRow(work: string, archive: string): Promise<BenchRow> {
  const name = "docker run --rm busybox true (reference, engine API)";
  const why = dockerUnavailable();
  if (why !== undefined) {
    console.log(`images bench: no docker run row: ${why}`);
    return { name, value: Number.NaN, unit: "ms", note: `skipped: ${why}` };
  }
  let engine: TestEngine | undefined;
  try {
    engine = await startDockerEngine(join(work, "engine"));
    await engine.load(archive);
    const api = engine.engine;
    const samples: number[] = [];
    for (let i = 0; i < DOCKER_RUNS + 1; i++) {
      const start = nowMs();
      const created = await api.create(`bench-${i}`, { Image: "busybox:latest", Cmd: ["true"] });
      if (!created.ok) throw new Error(`docker create: ${created.message}`);
      await api.start(created.value.Id);
      await api.wait(created.value.Id);
      await api.remove(created.value.Id);
      if (i > 0) samples.push(nowMs() - start);
    }
    return { name, value: percentile(samples, 50), unit: "ms", runs: DOCKER_RUNS };
  } catch (error) {
    const message = (error as Error).message.split("\n")[0] ?? "";
    console.log(`images bench: no docker run row: ${message}`);
    return { name, value: Number.NaN, unit: "ms", note: `skipped: ${message}` };
  } finally {
    await engine?.stop();
  }
}

async function run(): Promise<BenchRow[]> {
  const work = mkdtempSync(join(tmpdir(), "tessera-images-bench-"));
  try {
    const built = buildBusyboxImage(join(work, "build"));
    const flags = {
      image_providers: "docker",
      docker_registry: built.tarballDir,
      docker_store_dir: join(work, "store"),
    };
    const rows = await withCluster(
      ISOLATION,
      false,
      async (s) => {
        const coldStart = nowMs();
        await finish(s, "cold", IMAGE);
        const coldMs = round(nowMs() - coldStart);
        const plain = await latencies(s, "plain", undefined);
        const image = await latencies(s, "image", IMAGE);
        const plainRates: number[] = [];
        const imageRates: number[] = [];
        for (let r = 0; r < THROUGHPUT_ROUNDS; r++) {
          plainRates.push(await rate(s, `plain-tp${r}`, undefined));
          imageRates.push(await rate(s, `image-tp${r}`, IMAGE));
        }
        const plainRate = percentile(plainRates, 50);
        const imageRate = percentile(imageRates, 50);
        const ctx = { isolation: ISOLATION, tasks: LATENCY_TASKS };
        const rateCtx = { tasks: THROUGHPUT_TASKS, runs: THROUGHPUT_ROUNDS };
        const p50 = (x: number[]) => percentile(x, 50);
        return [
          {
            name: "cold pull+unpack+launch, ACCEPT->TASK_FINISHED",
            value: coldMs,
            unit: "ms",
            ...ctx,
          },
          { name: "no image: ACCEPT->TASK_FINISHED p50", value: p50(plain), unit: "ms", ...ctx },
          {
            name: "no image: ACCEPT->TASK_FINISHED p99",
            value: percentile(plain, 99),
            unit: "ms",
            ...ctx,
          },
          { name: "image: ACCEPT->TASK_FINISHED p50", value: p50(image), unit: "ms", ...ctx },
          {
            name: "image: ACCEPT->TASK_FINISHED p99",
            value: percentile(image, 99),
            unit: "ms",
            ...ctx,
          },
          targetAtMost("image / no image p50", round(p50(image) / p50(plain)), ctx),
          { name: "no image: tasks/s", value: plainRate, unit: "tasks/s", ...rateCtx },
          { name: "image: tasks/s", value: imageRate, unit: "tasks/s", ...rateCtx },
          targetAtMost("no image / image tasks/s", round(plainRate / imageRate), rateCtx),
        ] as BenchRow[];
      },
      flags,
    );
    const docker = await dockerRow(work, join(built.tarballDir, "busybox:latest.tar"));
    const image = rows.find((r) => r.name.startsWith("image: ACCEPT->TASK_FINISHED p50"));
    rows.push(docker);
    if (!Number.isNaN(docker.value) && image !== undefined) {
      const speedup = round(docker.value / image.value);
      rows.push({
        name: "docker run / image task (target >= 10)",
        value: speedup,
        unit: "x",
        target: ">= 10",
        met: speedup >= 10 ? "yes" : "no",
      });
    }
    return rows;
  } finally {
    await removeWorkDirs();
    rmSync(work, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  name: "images",
  description:
    "tasks in a container image vs without (cold pull, warm latency, tasks/s, docker run)",
  run,
};
