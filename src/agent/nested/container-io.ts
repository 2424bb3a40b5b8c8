// A container's standard streams as the agent's v1 API serves them (Mesos's I/O switchboard):
// output fanned out to every ATTACH_CONTAINER_OUTPUT / session stream (and, for a DEFAULT
// container, appended to its sandbox's stdout/stderr files), input from one
// ATTACH_CONTAINER_INPUT at a time. For containers whose output goes straight to their
// sandbox files (executor and standalone containers), `tailFiles` follows those files instead.

import { closeSync, openSync, readSync, statSync } from "node:fs";
import type { Readable, Writable } from "node:stream";

export type OutputKind = "STDOUT" | "STDERR";

/** One attached reader of a container's output. */
export interface OutputSink {
  data(kind: OutputKind, chunk: Buffer): void;
  /** The container's output ended (it exited): no more data. */
  end(): void;
}

/** A writer to a container's stdin, held by the one attached input. */
export interface InputHandle {
  write(chunk: Buffer): Promise<void>;
  /** Closes the container's stdin (Mesos: a DATA record with empty data). */
  close(): void;
  /** The attached input went away (its request ended): another may attach. */
  release(): void;
}

/** How many readers may follow one container's output at once. */
export const MAX_OUTPUT_ATTACHMENTS = 64;
// How often the sandbox files of a container the agent does not hold the pipes of are read.
const TAIL_POLL_MS = 100;
const TAIL_READ_BYTES = 64 * 1024;

export class ContainerIO {
  readonly #sinks = new Set<OutputSink>();
  #ended = false;
  #inputHeld = false;
  readonly #stdin: Writable | null;
  /** Resolves once both output pipes closed and what they gave is in the sandbox files. */
  readonly drained: Promise<void>;

  /** `files`: where output is appended as well (DEFAULT containers), or null (DEBUG ones). */
  constructor(
    stdout: Readable,
    stderr: Readable,
    stdin: Writable | null,
    files: { stdout: Writable; stderr: Writable } | null,
  ) {
    this.#stdin = stdin;
    // A reader that went away while we write is not our failure.
    stdin?.on("error", () => {});
    let open = 2;
    const pipe = (from: Readable, kind: OutputKind, file: Writable | undefined) =>
      new Promise<void>((resolve) => {
        from.on("data", (chunk: Buffer) => {
          file?.write(chunk);
          for (const sink of this.#sinks) sink.data(kind, chunk);
        });
        from.once("close", () => {
          if (--open === 0) this.#end();
          if (file === undefined) return resolve();
          // A file that cannot be written loses output, not the container's end.
          file.once("error", () => resolve());
          file.end(() => resolve());
        });
      });
    this.drained = Promise.all([
      pipe(stdout, "STDOUT", files?.stdout),
      pipe(stderr, "STDERR", files?.stderr),
    ]).then(() => {});
  }

  #end(): void {
    this.#ended = true;
    for (const sink of this.#sinks) sink.end();
    this.#sinks.clear();
  }

  /** Follows the output from now on; undefined when too many already do. */
  attachOutput(sink: OutputSink): (() => void) | undefined {
    if (this.#ended) {
      sink.end();
      return () => {};
    }
    if (this.#sinks.size >= MAX_OUTPUT_ATTACHMENTS) return undefined;
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  /** The stdin writer, or why not: no stdin, or another input is attached (Mesos: 409). */
  attachInput(): InputHandle | "conflict" | "no_stdin" {
    const stdin = this.#stdin;
    if (stdin === null || stdin.writableEnded || stdin.destroyed) return "no_stdin";
    if (this.#inputHeld) return "conflict";
    this.#inputHeld = true;
    return {
      write: (chunk) =>
        new Promise<void>((resolve) => {
          if (stdin.writableEnded || stdin.destroyed) return resolve();
          if (stdin.write(chunk)) resolve();
          else stdin.once("drain", resolve);
        }),
      close: () => stdin.end(),
      release: () => {
        this.#inputHeld = false;
      },
    };
  }
}

/**
 * Follows a sandbox's stdout and stderr files from their current end until `ended` resolves,
 * then reads what is left and ends the sink. Returns the detach function.
 */
export function tailFiles(
  paths: { stdout: string; stderr: string },
  ended: Promise<unknown>,
  sink: OutputSink,
): () => void {
  const offsets = { STDOUT: sizeOf(paths.stdout), STDERR: sizeOf(paths.stderr) };
  let stopped = false;
  const drain = () => {
    for (const kind of ["STDOUT", "STDERR"] as const) {
      const path = kind === "STDOUT" ? paths.stdout : paths.stderr;
      for (;;) {
        const chunk = readFrom(path, offsets[kind]);
        if (chunk === null || chunk.length === 0) break;
        offsets[kind] += chunk.length;
        sink.data(kind, chunk);
      }
    }
  };
  const timer = setInterval(() => {
    if (!stopped) drain();
  }, TAIL_POLL_MS);
  timer.unref();
  void ended.then(() => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    drain();
    sink.end();
  });
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function readFrom(path: string, offset: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const buffer = Buffer.alloc(TAIL_READ_BYTES);
    const n = readSync(fd, buffer, 0, TAIL_READ_BYTES, offset);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
