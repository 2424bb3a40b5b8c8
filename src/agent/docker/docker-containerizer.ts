// Mesos's Docker containerizer (`--containerizers=docker,mesos`): a ContainerInfo of type
// DOCKER runs through a Docker engine's API over `--docker_socket`, behind the same
// Containerizer interface as the Mesos one (composing.ts picks). The container is named
// `mesos-<container id>` as Mesos names it, so that a restarted agent finds it again: known
// ones are re-attached (their logs followed again, their end awaited), unknown ones removed
// with `--docker_kill_orphans`. stdout and stderr are copied from the engine's log into the
// sandbox; the sandbox is at /mnt/mesos/sandbox; the exit code decides the task's state; a
// kill is the engine's stop with a timeout; stats come from the engine; an ended container is
// removed after `--docker_remove_delay`.
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { ResourceStatistics } from "../../wire/usage.ts";
import type {
  Containerizer,
  ContainerizerResult,
  ContainerResources,
  KnownContainer,
  LaunchConfig,
  RecoverResult,
  Termination,
} from "../containerizer/containerizer.ts";
import { DOCKER_NAME_PREFIX, dockerName, dockerRun } from "./docker-run.ts";
import { DockerEngine, type EngineStats } from "./engine.ts";

export interface DockerContainerizerOptions {
  readonly socketPath: string;
  /** `--docker_remove_delay`: how long an ended container is kept in the engine. */
  readonly removeDelayMs: number;
  /** `--docker_stop_timeout`: the stop timeout of a destroy with no grace period. */
  readonly stopTimeoutMs: number;
  /** `--docker_kill_orphans`: remove `mesos-*` containers the agent does not know. */
  readonly killOrphans: boolean;
  readonly onError?: ((message: string) => void) | undefined;
}

interface Running {
  readonly engineId: string;
  readonly sandboxDir: string;
  pid: number;
  destroyed: boolean;
  readonly done: Promise<ContainerizerResult<Termination>>;
  stats: ResourceStatistics | undefined;
  statsInFlight: boolean;
  readonly logs: WriteStream[];
}

const NANOS_PER_SECOND = 1e9;

function termination(exitCode: number, destroyed: boolean): Termination {
  return { exitCode, signal: null, waitStatus: (exitCode & 0xff) << 8, destroyed };
}

function toStatistics(s: EngineStats, nowSecs: number): ResourceStatistics {
  const cpu = s.cpu_stats?.cpu_usage;
  const mem = s.memory_stats;
  return {
    timestamp: nowSecs,
    ...(cpu?.usage_in_usermode === undefined
      ? {}
      : { cpus_user_time_secs: cpu.usage_in_usermode / NANOS_PER_SECOND }),
    ...(cpu?.usage_in_kernelmode === undefined
      ? {}
      : { cpus_system_time_secs: cpu.usage_in_kernelmode / NANOS_PER_SECOND }),
    ...(mem?.usage === undefined
      ? {}
      : { mem_total_bytes: mem.usage, mem_rss_bytes: mem.stats?.anon ?? mem.usage }),
    ...(mem?.limit === undefined ? {} : { mem_limit_bytes: mem.limit }),
    ...(s.pids_stats?.current === undefined ? {} : { processes: s.pids_stats.current }),
  } as ResourceStatistics;
}

/** Splits the engine's multiplexed log stream (8-byte frame headers) into stdout and stderr. */
function demultiplex(stream: Readable, stdout: WriteStream, stderr: WriteStream): void {
  let pending: Buffer = Buffer.alloc(0);
  stream.on("data", (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const frame = pending.subarray(8, 8 + size);
      (pending[0] === 2 ? stderr : stdout).write(frame);
      pending = pending.subarray(8 + size);
    }
  });
  stream.on("error", () => undefined);
}

export class DockerContainerizer implements Containerizer {
  readonly isolators = [] as const;
  readonly engine: DockerEngine;
  readonly #o: DockerContainerizerOptions;
  readonly #running = new Map<string, Running>();
  readonly #removals = new Set<NodeJS.Timeout>();
  readonly #cleanups = new Set<Promise<unknown>>();
  #destroyErrors = 0;

  constructor(options: DockerContainerizerOptions) {
    this.#o = options;
    this.engine = new DockerEngine(options.socketPath);
  }

  has(containerId: string): boolean {
    return this.#running.has(containerId);
  }

  async launch(
    containerId: string,
    config: LaunchConfig,
  ): Promise<ContainerizerResult<{ pid: number }>> {
    if (this.#running.has(containerId)) {
      return { ok: false, code: "CONTAINER_EXISTS", message: `container ${containerId} exists` };
    }
    const launch = config.docker;
    if (launch === undefined) {
      return { ok: false, code: "LAUNCH_FAILED", message: "not a Docker container" };
    }
    const run = dockerRun({
      launch,
      command: config.command,
      env: config.env,
      cpus: config.resources.cpus,
      memMb: config.resources.memMb,
      sandboxDir: config.sandboxDir,
      containerId,
    });
    if (!run.ok) return { ok: false, code: "LAUNCH_FAILED", message: run.message };
    const fail = (message: string) => ({
      ok: false as const,
      code: "LAUNCH_FAILED" as const,
      message,
    });
    const forcePull = launch.info.docker?.force_pull_image === true;
    if (forcePull || !(await this.engine.hasImage(run.image))) {
      const pulled = await this.engine.pull(run.image);
      if (!pulled.ok) return fail(`Failed to pull image '${run.image}': ${pulled.message}`);
    }
    try {
      mkdirSync(config.sandboxDir, { recursive: true });
    } catch (error) {
      return fail(`Cannot create the sandbox: ${(error as Error).message}`);
    }
    let created = await this.engine.create(run.name, run.body);
    if (!created.ok && created.status === 409) {
      // A container of that name left by an earlier run of the same id: it goes.
      await this.engine.remove(run.name);
      created = await this.engine.create(run.name, run.body);
    }
    if (!created.ok) return fail(`Failed to create Docker container: ${created.message}`);
    const engineId = created.value.Id;
    const started = await this.engine.start(engineId);
    const inspected = started.ok ? await this.engine.inspect(engineId) : started;
    if (!inspected.ok) {
      await this.engine.remove(engineId);
      return fail(`Failed to start Docker container: ${inspected.message}`);
    }
    const pid = inspected.value.State.Pid;
    this.#attach(containerId, engineId, config.sandboxDir, pid, "w");
    return { ok: true, value: { pid } };
  }

  /** Follows the container's logs into the sandbox and awaits its end. `flags` "w": the log is
   *  copied from its start (after a restart the files are rewritten whole, not doubled). */
  #attach(
    containerId: string,
    engineId: string,
    sandboxDir: string,
    pid: number,
    flags: "w",
  ): void {
    const logs = [
      createWriteStream(join(sandboxDir, "stdout"), { flags }),
      createWriteStream(join(sandboxDir, "stderr"), { flags }),
    ];
    for (const l of logs) l.on("error", (e) => this.#o.onError?.(`docker log copy: ${e.message}`));
    const following = this.engine.stream(`/containers/${engineId}/logs?follow=1&stdout=1&stderr=1`);
    const logsDone = following.then(
      (r) =>
        new Promise<void>((resolve) => {
          if (!r.ok) {
            resolve();
            return;
          }
          demultiplex(r.value, logs[0] as WriteStream, logs[1] as WriteStream);
          r.value.on("end", resolve);
          r.value.on("close", resolve);
        }),
    );
    const done = (async (): Promise<ContainerizerResult<Termination>> => {
      const waited = await this.engine.wait(engineId);
      // The agent stopped: the container runs on, and is recovered by the next start.
      if (this.engine.closed) return new Promise<never>(() => undefined);
      await logsDone;
      await Promise.all(logs.map((l) => new Promise((resolve) => l.end(resolve))));
      const record = this.#running.get(containerId);
      const destroyed = record?.destroyed ?? false;
      this.#running.delete(containerId);
      this.#scheduleRemoval(engineId);
      if (!waited.ok) {
        const inspected = await this.engine.inspect(engineId);
        if (!inspected.ok)
          return { ok: true, value: { exitCode: null, signal: null, waitStatus: null, destroyed } };
        return { ok: true, value: termination(inspected.value.State.ExitCode, destroyed) };
      }
      return { ok: true, value: termination(waited.value.StatusCode, destroyed) };
    })();
    this.#running.set(containerId, {
      engineId,
      sandboxDir,
      pid,
      destroyed: false,
      done,
      stats: undefined,
      statsInFlight: false,
      logs,
    });
  }

  #scheduleRemoval(engineId: string): void {
    const remove = () => {
      const p = this.engine.remove(engineId).then((r) => {
        if (!r.ok) this.#o.onError?.(`cannot remove Docker container ${engineId}: ${r.message}`);
      });
      this.#cleanups.add(p);
      void p.finally(() => this.#cleanups.delete(p));
    };
    if (this.#o.removeDelayMs <= 0) {
      remove();
      return;
    }
    const timer = setTimeout(() => {
      this.#removals.delete(timer);
      remove();
    }, this.#o.removeDelayMs);
    timer.unref();
    this.#removals.add(timer);
  }

  wait(containerId: string): Promise<ContainerizerResult<Termination>> {
    const r = this.#running.get(containerId);
    if (r === undefined) return Promise.resolve(this.#unknown(containerId));
    return r.done;
  }

  exited(containerId: string): Promise<ContainerizerResult<Termination>> {
    return this.wait(containerId);
  }

  #unknown(containerId: string): { ok: false; code: "UNKNOWN_CONTAINER"; message: string } {
    return { ok: false, code: "UNKNOWN_CONTAINER", message: `Unknown container ${containerId}` };
  }

  update(containerId: string, resources: ContainerResources): ContainerizerResult<void> {
    const r = this.#running.get(containerId);
    if (r === undefined) return this.#unknown(containerId);
    void this.engine
      .update(r.engineId, {
        CpuShares: Math.max(Math.round(1024 * resources.cpus), 2),
        Memory: Math.max(resources.memMb * 1024 * 1024, 32 * 1024 * 1024),
        MemorySwap: -1,
      })
      .then((u) => {
        if (!u.ok) this.#o.onError?.(`docker update of ${containerId}: ${u.message}`);
      });
    return { ok: true, value: undefined };
  }

  /** The engine's last stats sample (a call takes a second or more, so it is taken off this
   *  path: the first call answers with the timestamp only). */
  usage(containerId: string): ContainerizerResult<ResourceStatistics> {
    const r = this.#running.get(containerId);
    if (r === undefined) return this.#unknown(containerId);
    if (!r.statsInFlight) {
      r.statsInFlight = true;
      void this.engine.stats(r.engineId).then((s) => {
        r.statsInFlight = false;
        if (s.ok) r.stats = toStatistics(s.value, Date.now() / 1000);
      });
    }
    return { ok: true, value: r.stats ?? { timestamp: Date.now() / 1000 } };
  }

  async destroy(
    containerId: string,
    options: { gracePeriodMs: number },
  ): Promise<ContainerizerResult<Termination>> {
    const r = this.#running.get(containerId);
    if (r === undefined) return this.#unknown(containerId);
    r.destroyed = true;
    const ms = options.gracePeriodMs > 0 ? options.gracePeriodMs : this.#o.stopTimeoutMs;
    const stopped = await this.engine.stop(r.engineId, ms / 1000);
    if (!stopped.ok) {
      this.#destroyErrors += 1;
      this.#o.onError?.(`cannot stop Docker container ${containerId}: ${stopped.message}`);
    }
    return r.done;
  }

  /** Re-attaches the known `mesos-*` containers and removes the others with
   *  --docker_kill_orphans. Known containers that are not in the engine are not its. */
  async recover(known: readonly KnownContainer[]): Promise<RecoverResult> {
    const listed = await this.engine.list(DOCKER_NAME_PREFIX);
    if (!listed.ok) {
      this.#o.onError?.(`cannot list Docker containers: ${listed.message}`);
      return { recovered: [], gone: [], orphansRemoved: [] };
    }
    const ids = new Set(known.map((k) => k.containerId));
    const recovered: string[] = [];
    const orphansRemoved: string[] = [];
    for (const c of listed.value) {
      const name = (c.Names[0] ?? "").replace(/^\//, "");
      const containerId = name.slice(DOCKER_NAME_PREFIX.length);
      if (ids.has(containerId) && !this.#running.has(containerId)) {
        const inspected = await this.engine.inspect(c.Id);
        const sandboxDir = known.find((k) => k.containerId === containerId)?.sandboxDir;
        if (inspected.ok && sandboxDir !== undefined) {
          this.#attach(containerId, c.Id, sandboxDir, inspected.value.State.Pid, "w");
          recovered.push(containerId);
          continue;
        }
      }
      if (this.#o.killOrphans && name === dockerName(containerId) && !ids.has(containerId)) {
        await this.engine.stop(c.Id, 0);
        await this.engine.remove(c.Id);
        orphansRemoved.push(containerId);
      }
    }
    return { recovered, gone: [], orphansRemoved };
  }

  containers(): string[] {
    return [...this.#running.keys()];
  }

  pids(containerId: string): number[] {
    const r = this.#running.get(containerId);
    return r === undefined || r.pid <= 0 ? [] : [r.pid];
  }

  errors(): { destroy: number; runtimeLog: number } {
    return { destroy: this.#destroyErrors, runtimeLog: 0 };
  }

  async settle(): Promise<void> {
    await Promise.all([...this.#cleanups]);
  }

  /** Running containers are left to the engine (recovered on restart); pending removals are
   *  dropped (the next start's orphan pass finds what is left). */
  close(): void {
    for (const t of this.#removals) clearTimeout(t);
    this.#removals.clear();
    this.engine.close();
    for (const r of this.#running.values()) for (const l of r.logs) l.end();
  }
}
