// `npm run nemesis [-- --seed N | --seeds COUNT] [--first N] [--faults kind,kind] [--subnet OCTET]`:
// runs the nemesis harness (harness.ts) on a fresh cluster and exits 1 if any seed found a
// violation (or anything was left on the host). Without --seed/--seeds it runs the seeds of
// test/nemesis/regressions and then 3 random ones. Needs root, network namespaces and
// ZooKeeper (scripts/ensure-zookeeper.sh).
import { parseArgs } from "node:util";
import { formatSummary, type HarnessOptions, runHarness } from "./harness.ts";
import { FAULT_KINDS } from "./nemesis.ts";
import { parseFaultKinds, regressionSeeds, type SeedSpec } from "./regressions.ts";

/** The run the command line asks for; throws a usage error's message. */
function harnessOptions(): HarnessOptions {
  const { values } = parseArgs({
    options: {
      seed: { type: "string" },
      seeds: { type: "string" },
      first: { type: "string" },
      faults: { type: "string" },
      subnet: { type: "string", default: "0" },
      window: { type: "string" },
    },
  });
  const first = int("first", values.first) ?? Math.floor(Math.random() * 1_000_000);
  const count = int("seeds", values.seeds);
  const one = int("seed", values.seed);
  const fresh = (n: number): SeedSpec[] =>
    Array.from({ length: n }, (_, i) => ({ seed: first + i }));
  const seeds =
    one !== undefined
      ? [{ seed: one }]
      : count !== undefined
        ? fresh(count)
        : [...regressionSeeds(), ...fresh(3)];
  const kinds = values.faults === undefined ? [...FAULT_KINDS] : parseFaultKinds(values.faults);
  const octet = int("subnet", values.subnet) ?? 0;
  if (octet > 254) throw new Error("--subnet: 0..254 (the third octet of 10.213.x.0/24)");
  const window = int("window", values.window);
  return { seeds, octet, kinds, ...(window === undefined ? {} : { windowMs: window }) };
}

function int(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: '${text}' is not a whole number`);
  return n;
}

let options: HarnessOptions;
try {
  options = harnessOptions();
} catch (error) {
  process.stderr.write(`nemesis: ${(error as Error).message}\n`);
  process.exit(2);
}
const summary = await runHarness(options);
process.stdout.write(`${formatSummary(summary)}\n`);
process.exit(summary.violations > 0 || summary.leftovers.length > 0 ? 1 : 0);
