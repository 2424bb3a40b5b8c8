// What `tessera run` launches, read from its flags: resources, name, environment and the shell
// command. Pure, so the parsing rules are tested without a cluster.
import { randomBytes } from "node:crypto";
import { parseImageReference } from "../agent/images/image-reference.ts";
import { usageError } from "./cli-error.ts";
import { type RunNetwork, runNetwork } from "./run-network.ts";

export interface RunFlags {
  cpus: string;
  mem: string;
  disk?: string;
  name?: string;
  env?: string[];
  role: string;
  image?: string;
  network?: string;
  publish?: string[];
}

export interface RunSpec {
  readonly taskId: string;
  readonly name: string;
  readonly role: string;
  readonly cpus: number;
  readonly memMb: number;
  readonly diskMb: number;
  readonly env: Record<string, string>;
  /** The shell command (`sh -c`) the task runs. */
  readonly command: string;
  /** --network / -p (run-network.ts). */
  readonly network: RunNetwork;
  /** A Docker image the task runs in (the agent needs --image_providers=docker). */
  readonly image: string | undefined;
}

/** Quotes one word for `sh` unless it only holds characters the shell leaves alone. */
export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/**
 * The shell command for CMD…: one word is taken as a shell command line as written
 * (`tessera run -- 'echo a | wc'`); several are quoted and joined so each stays one argument
 * (`tessera run -- sh -c 'echo hello; exit 3'`).
 */
export function joinCommand(words: readonly string[]): string {
  if (words.length === 1) return words[0] as string;
  return words.map(shellQuote).join(" ");
}

function quantity(text: string, flag: string, allowZero: boolean): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw usageError(`${flag} must be a positive number, got '${text}'`);
  }
  return value;
}

/** Task ids are path components on the agent (reference §2.2): no '/', spaces or control chars. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function runSpec(flags: RunFlags, words: readonly string[]): RunSpec {
  if (flags.image !== undefined && parseImageReference(flags.image) === undefined) {
    throw usageError(`--image '${flags.image}' is not an image reference (e.g. busybox:latest)`);
  }
  if (words.length === 0 || words.every((w) => w.trim() === "")) {
    throw usageError("run: give the command to run after --, e.g. tessera run -- echo hello");
  }
  const name = flags.name ?? "run";
  if (!NAME_PATTERN.test(name)) {
    throw usageError(`--name '${name}' may hold only letters, digits, '.', '_' and '-'`);
  }
  const env: Record<string, string> = {};
  for (const pair of flags.env ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw usageError(`--env wants NAME=VALUE, got '${pair}'`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    taskId: `${name}-${randomBytes(3).toString("hex")}`,
    name,
    role: flags.role,
    cpus: quantity(flags.cpus, "--cpus", false),
    memMb: quantity(flags.mem, "--mem", false),
    diskMb: flags.disk === undefined ? 0 : quantity(flags.disk, "--disk", true),
    env,
    command: joinCommand(words),
    network: runNetwork(flags.network, flags.publish),
    image: flags.image,
  };
}
