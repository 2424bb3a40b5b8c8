// The long simulation soak (`npm run soak`): many more seeds than the test suite, each with a
// longer workload phase and more faults, on the same small-cluster fault configuration
// (src/sim/fault-suite.ts). Prints progress and every failing seed with the command that
// replays it; exits 1 if any seed failed.
//   npm run soak -- [--seeds N] [--from S] [--minutes M] [--intensity X]
import { runSeeds } from "../src/sim/fault-suite.ts";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} needs a positive number`);
    process.exit(2);
  }
  return value;
}

const seeds = Math.floor(flag("seeds", 2000));
const from = Math.floor(flag("from", 100_000));
const minutes = flag("minutes", 20);
const intensity = flag("intensity", 2);
const options = { untilMs: Math.round(minutes * 60_000), intensity };

console.log(
  `soak: ${seeds} seeds from ${from}, ${minutes} virtual minutes each, fault intensity ${intensity}`,
);
const startedMs = performance.now();
let done = 0;
const result = runSeeds(
  Array.from({ length: seeds }, (_, i) => from + i),
  options,
  (seed, report) => {
    done++;
    if (report === undefined) console.log(`seed ${seed}: FAILED`);
    if (done % 50 === 0 || done === seeds) {
      const s = ((performance.now() - startedMs) / 1000).toFixed(0);
      console.log(`${done}/${seeds} seeds, ${s}s`);
    }
  },
);
console.log(
  `soak: ${result.runs} runs, ${result.faults} faults injected, ${result.tasks} tasks launched, ${result.failures.length} failed`,
);
for (const f of result.failures) {
  console.log(`\n${f.message}`);
  console.log(
    `replay: node --import tsx -e 'import("./src/sim/index.ts").then(s => new s.Simulation(s.faultSuiteConfig(${f.seed}, ${JSON.stringify(options)})).run())'`,
  );
}
process.exit(result.failures.length === 0 ? 0 : 1);
