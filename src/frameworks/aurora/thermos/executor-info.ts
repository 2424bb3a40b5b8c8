// How a framework asks an agent to start the Thermos-like executor: an ExecutorInfo whose
// command runs `tessera thermos-executor` with this Node binary and this checkout's bin (src/
// and dist/ sit at the same depth, so one relative path serves both). The task it runs travels
// in TaskInfo.data as the JSON of a ThermosTask (task-config.ts).
import { fileURLToPath } from "node:url";
import type { TaskInfoInput } from "../../../sdk/offer-matching.ts";
import type { ThermosTask } from "./task-config.ts";

export type ExecutorInfoInput = NonNullable<TaskInfoInput["executor"]>;

const BIN = fileURLToPath(new URL("../../../../bin/tessera.mjs", import.meta.url));

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

export interface ThermosExecutorSpec {
  readonly executorId: string;
  readonly name?: string;
}

export function thermosExecutorInfo(spec: ThermosExecutorSpec): ExecutorInfoInput {
  return {
    type: "CUSTOM",
    executor_id: { value: spec.executorId },
    name: spec.name ?? "Thermos executor",
    command: {
      shell: true,
      value: `${shellQuote(process.execPath)} ${shellQuote(BIN)} thermos-executor`,
    },
  };
}

/** TaskInfo.data for a Thermos task: its JSON, base64 as bytes travel in v1 JSON. */
export function thermosTaskData(task: ThermosTask): string {
  return Buffer.from(JSON.stringify(task)).toString("base64");
}
