// Group commit of the agent core's checkpoint writes. Every write the core asks for while the
// previous batch is being made durable goes into the next batch, in order, and shares its
// fsyncs (applyCheckpointWrites). Each write is reported durable only once its whole batch is,
// so nothing is forwarded or acknowledged before it is on disk.
//
// A batch that fails is reported failed, write by write, and so is every write after it
// without touching the disk: an append that failed half-way may have left a torn record in
// the middle of an update file, and a later record after it would make the checkpoint
// unreadable. The core then takes no new work (as the master stops on a failed registry
// write); the operator restarts the agent once the work dir is writable again.
import type { Logger } from "pino";
import type { CheckpointWrite } from "../core/types.ts";
import { applyCheckpointWrites } from "./agent-state-store.ts";

/** Where the checkpoint goes: the work dir in a running agent; tests may wrap it (faults). */
export interface CheckpointStore {
  /** Makes the writes durable, in order; rejects if any of them could not be. */
  apply(writes: readonly CheckpointWrite[]): Promise<void>;
}

/** The on-disk checkpoint under `workDir` (reference §8.2). */
export function workDirCheckpointStore(workDir: string): CheckpointStore {
  return { apply: (writes) => applyCheckpointWrites(workDir, writes) };
}

/** How the committer reports back (the agent dispatcher turns these into core inputs). */
export interface CheckpointReports {
  written(token: number): void;
  failed(token: number, message: string): void;
}

/**
 * Writes waiting for the disk. The core asks for a handful per task, and a batch takes a few
 * fsyncs, so this many queued means the disk has stopped keeping up: taken as a failure.
 */
export const MAX_UNWRITTEN_CHECKPOINT_WRITES = 100_000;

export class CheckpointCommitter {
  readonly #store: CheckpointStore;
  readonly #reports: CheckpointReports;
  readonly #logger: Logger;
  /** Writes not yet started, and the writer while one runs. */
  readonly #unwritten: { token: number; write: CheckpointWrite }[] = [];
  #writing: Promise<void> | undefined;
  #failure: string | undefined;
  /** Writes that failed (or were refused after a failure). */
  failedWrites = 0;

  constructor(store: CheckpointStore, reports: CheckpointReports, logger: Logger) {
    this.#store = store;
    this.#reports = reports;
    this.#logger = logger;
  }

  /** The first failure, once a write failed: nothing is written after it. */
  get failure(): string | undefined {
    return this.#failure;
  }

  write(token: number, write: CheckpointWrite): void {
    this.#unwritten.push({ token, write });
    if (this.#unwritten.length > MAX_UNWRITTEN_CHECKPOINT_WRITES && this.#failure === undefined) {
      this.#fail(
        `more than ${MAX_UNWRITTEN_CHECKPOINT_WRITES} checkpoint writes wait for the disk`,
        undefined,
        [],
      );
    }
    this.#writing ??= this.#drain();
  }

  /** Resolves once every write asked for so far is durable or reported failed. */
  async settle(): Promise<void> {
    await this.#writing;
  }

  async #drain(): Promise<void> {
    // Let the rest of the current dispatch add its writes to this batch.
    await Promise.resolve();
    while (this.#unwritten.length > 0) {
      const batch = this.#unwritten.splice(0);
      if (this.#failure === undefined) {
        try {
          await this.#store.apply(batch.map((b) => b.write));
          for (const { token } of batch) this.#reports.written(token);
          continue;
        } catch (error) {
          this.#fail(errorMessage(error), error, batch);
        }
      }
      const failure = this.#failure ?? "checkpoint failed";
      this.failedWrites += batch.length;
      for (const { token } of batch) this.#reports.failed(token, failure);
    }
    this.#writing = undefined;
  }

  #fail(message: string, error: unknown, batch: readonly { write: CheckpointWrite }[]): void {
    this.#failure = message;
    this.#logger.error(
      { err: error, writes: batch.map((b) => b.write.type) },
      "checkpoint write failed: the agent takes no new tasks and writes no more checkpoint",
    );
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
