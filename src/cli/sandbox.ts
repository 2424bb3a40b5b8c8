// A task's sandbox on its agent, read through the agent's files API (reference §4.5):
// `/files/read?path=&offset=&length=` polled from an offset, as `mesos tail` and the web UI's
// log viewer do. The sandbox directory comes from the agent's `/state` (each executor's
// `directory`); once the agent has forgotten the executor, the newest run under
// `/frameworks/<fw>/executors/<ex>/runs` is used, which is where Mesos keeps it until the
// sandbox is garbage-collected.
import { CliError } from "./cli-error.ts";
import { agentGet } from "./operator-client.ts";

/** Bytes asked for per read; the agent caps a read at 64 KiB (16 pages) anyway. */
export const READ_CHUNK_BYTES = 64 * 1024;
/** Pause between two polls of a file that had nothing new (following only). */
export const POLL_INTERVAL_MS = 200;

interface LegacyTask {
  id: string;
  framework_id: string;
}
interface LegacyExecutor {
  id: string;
  directory: string;
  tasks?: LegacyTask[];
  queued_tasks?: LegacyTask[];
  completed_tasks?: LegacyTask[];
}
interface LegacyFramework {
  id: string;
  executors?: LegacyExecutor[];
  completed_executors?: LegacyExecutor[];
}
interface AgentState {
  frameworks?: LegacyFramework[];
  completed_frameworks?: LegacyFramework[];
}

export interface SandboxRef {
  readonly agentUrl: string;
  readonly frameworkId: string;
  readonly taskId: string;
  /** The task's executor; the command executor's id is the task id (reference §3.5). */
  readonly executorId?: string;
}

/** The sandbox directory of a task on its agent (a path the files API accepts). */
export async function findSandbox(ref: SandboxRef): Promise<string> {
  const state = await agentGet(ref.agentUrl, "/state");
  if (state.status === 200) {
    const parsed = JSON.parse(state.body) as AgentState;
    for (const f of [...(parsed.frameworks ?? []), ...(parsed.completed_frameworks ?? [])]) {
      if (f.id !== ref.frameworkId) continue;
      for (const e of [...(f.executors ?? []), ...(f.completed_executors ?? [])]) {
        const all = [...(e.tasks ?? []), ...(e.queued_tasks ?? []), ...(e.completed_tasks ?? [])];
        if (all.some((t) => t.id === ref.taskId)) return e.directory;
      }
    }
  }
  const executorId = ref.executorId ?? ref.taskId;
  const runs = `/frameworks/${ref.frameworkId}/executors/${executorId}/runs`;
  const listing = await agentGet(ref.agentUrl, `/files/browse?path=${encodeURIComponent(runs)}`);
  if (listing.status === 200) {
    const entries = JSON.parse(listing.body) as { path: string; mtime: number; mode: string }[];
    const newest = entries
      .filter((e) => e.mode.startsWith("d") && !e.path.endsWith("/latest"))
      .sort((a, b) => b.mtime - a.mtime)[0];
    if (newest !== undefined) return newest.path;
  }
  throw new CliError(
    "NOT_FOUND",
    `the sandbox of task '${ref.taskId}' is not on its agent any more (garbage-collected?)`,
  );
}

export type ReadResult = { kind: "data"; data: string; nextOffset: number } | { kind: "missing" };

/** Reads what is there from `offset` (up to one chunk). A file not created yet is "missing". */
export async function readFrom(
  agentUrl: string,
  path: string,
  offset: number,
): Promise<ReadResult> {
  const query = `path=${encodeURIComponent(path)}&offset=${offset}&length=${READ_CHUNK_BYTES}`;
  const answer = await agentGet(agentUrl, `/files/read?${query}`);
  if (answer.status === 404) return { kind: "missing" };
  if (answer.status !== 200) {
    throw new CliError(
      "REFUSED",
      `the agent refused to read ${path}: ${answer.status} ${answer.body.trim()}`,
    );
  }
  const body = JSON.parse(answer.body) as { data: string; offset: number };
  let data = body.data;
  // The agent sends bytes as UTF-8 text; a chunk cut inside a character ends in U+FFFD, which
  // is left for the next read (from that character's first byte) instead of printed.
  if (Buffer.byteLength(data, "utf8") >= READ_CHUNK_BYTES) data = data.replace(/\uFFFD+$/, "");
  return { kind: "data", data, nextOffset: body.offset + Buffer.byteLength(data, "utf8") };
}

/** One sandbox file read from where the last read stopped. */
export class FileTail {
  #offset = 0;
  readonly path: string;

  constructor(
    readonly agentUrl: string,
    sandbox: string,
    name: "stdout" | "stderr",
    private readonly sink: (chunk: string) => void,
  ) {
    this.path = `${sandbox}/${name}`;
  }

  /** Copies everything new to the sink; returns whether anything was new. */
  async drain(): Promise<boolean> {
    let any = false;
    for (;;) {
      const r = await readFrom(this.agentUrl, this.path, this.#offset);
      if (r.kind === "missing" || r.data.length === 0) return any;
      any = true;
      this.#offset = r.nextOffset;
      this.sink(r.data);
    }
  }
}
