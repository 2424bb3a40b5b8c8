// Reads test/nemesis/regressions: seeds that once found a violation, replayed first by
// `npm run nemesis` and by the suite's bounded run.
import { readFileSync } from "node:fs";

export function regressionSeeds(): number[] {
  const text = readFileSync(new URL("./regressions", import.meta.url), "utf8");
  return text
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "")
    .map(Number)
    .filter((n) => Number.isInteger(n));
}
