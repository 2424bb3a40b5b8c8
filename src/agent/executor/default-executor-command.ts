// How the agent starts the default executor (default-executor.ts) for an ExecutorInfo of type
// DEFAULT: this Node.js binary on the executor's script, through tsx when the agent itself runs
// from TypeScript sources (a checkout) and directly when it runs compiled (dist/).
import { fileURLToPath } from "node:url";

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** A shell command line that runs the default executor. */
export function defaultExecutorCommand(): { value: string; shell: true } {
  const fromSources = import.meta.url.endsWith(".ts");
  const script = fileURLToPath(
    new URL(
      fromSources ? "../../executors/default-executor.ts" : "../../executors/default-executor.js",
      import.meta.url,
    ),
  );
  const loader = fromSources ? ["--import", quote(import.meta.resolve("tsx"))] : [];
  return { value: [quote(process.execPath), ...loader, quote(script)].join(" "), shell: true };
}
