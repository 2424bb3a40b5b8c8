// Pieces every integration test's set-up needs, whatever it starts (a master, agents, agent
// processes, ZooKeeper, the CLI): free ports, a temporary work dir removed afterwards, where an
// agent puts an executor's sandbox, and killing what a test left running, by pid.
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/** A TCP port nothing listens on right now (bound on 127.0.0.1, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === "object" && address !== null) resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

export interface TempDir {
  dir: string;
  remove(): Promise<void>;
}

/** A fresh directory under the system's temp dir; `remove()` deletes it and all below. */
export async function tempWorkDir(prefix = "tessera-agent-"): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Makes temporary directories for the tests of one file (or suite); all of them are removed
 * after its tests (a node:test `after` hook, registered where this is called).
 */
export function tempDirsForSuite(prefix: string): () => Promise<string> {
  const made: TempDir[] = [];
  after(async () => {
    for (const dir of made) await dir.remove();
  });
  return async () => {
    const dir = await tempWorkDir(prefix);
    made.push(dir);
    return dir.dir;
  };
}

/** The directory of an executor's runs (one sandbox per run, and `latest`), as Mesos lays it out. */
export function executorRunsDir(
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
): string {
  return join(
    workDir,
    "slaves",
    agentId,
    "frameworks",
    frameworkId,
    "executors",
    executorId,
    "runs",
  );
}

/** The run directories (sandboxes) of an executor, `latest` left out; [] before the first. */
export function executorRuns(
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
): string[] {
  try {
    return readdirSync(executorRunsDir(workDir, agentId, frameworkId, executorId)).filter(
      (r) => r !== "latest",
    );
  } catch {
    return [];
  }
}

/** SIGKILLs each pid that still exists (what a failed test left running). */
export function killPids(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/**
 * A stand-in for an object that a suite's `before` hook creates, so that the suite can name it
 * once instead of declaring a variable and assigning it: property reads go to the object once
 * `set` (methods bound to it, so private fields work), and fail loudly before.
 */
export function lateBound<T extends object>(what: string): { ref: T; set(value: T): void } {
  let target: T | undefined;
  const ref = new Proxy({} as T, {
    get(_, key) {
      if (target === undefined)
        throw new Error(`${what} is not there yet (its before hook failed?)`);
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    set(_, key, value) {
      if (target === undefined) throw new Error(`${what} is not there yet`);
      return Reflect.set(target, key, value, target);
    },
  });
  return {
    ref,
    set(value) {
      target = value;
    },
  };
}
