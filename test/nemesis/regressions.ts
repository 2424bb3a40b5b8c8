// Reads test/nemesis/regressions: seeds that once found a violation, replayed first by
// `npm run nemesis` and by the suite's bounded run. A line is `<seed> [kind,kind] # what it
// found`; the kinds, when given, are the --faults the seed failed with. A comment with OPEN
// marks a finding not fixed yet: `npm run nemesis` replays it, the suite does not.
import { readFileSync } from "node:fs";
import { FAULT_KINDS, type FaultKind } from "./nemesis.ts";

export interface SeedSpec {
  readonly seed: number;
  /** The fault kinds to draw from (all when absent). */
  readonly kinds?: readonly FaultKind[];
  /** Marked OPEN: what it found is not fixed yet (the suite leaves it to `npm run nemesis`). */
  readonly open?: boolean;
}

export function parseFaultKinds(text: string): FaultKind[] {
  const kinds = text.split(",").map((k) => k.trim());
  for (const k of kinds)
    if (!(FAULT_KINDS as readonly string[]).includes(k))
      throw new Error(`unknown fault kind '${k}' (kinds: ${FAULT_KINDS.join(", ")})`);
  return kinds as FaultKind[];
}

export function regressionSeeds(): SeedSpec[] {
  const text = readFileSync(new URL("./regressions", import.meta.url), "utf8");
  const out: SeedSpec[] = [];
  for (const line of text.split("\n")) {
    const open = /#.*\bOPEN\b/.test(line);
    const [seedText, kindsText] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (seedText === undefined || seedText === "") continue;
    const seed = Number(seedText);
    if (!Number.isInteger(seed)) throw new Error(`regressions: '${seedText}' is not a seed`);
    out.push({
      seed,
      ...(kindsText === undefined ? {} : { kinds: parseFaultKinds(kindsText) }),
      ...(open ? { open } : {}),
    });
  }
  return out;
}
