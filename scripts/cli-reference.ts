// Prints the README's CLI reference generated from the commander definitions, or with
// `--write` replaces the README's section between the cli-reference markers with it.
//   npx tsx scripts/cli-reference.ts [--write]
import { readFileSync, writeFileSync } from "node:fs";
import { buildProgram } from "../src/cli/main.ts";
import {
  REFERENCE_END,
  REFERENCE_START,
  renderReference,
  withReference,
} from "../src/cli/reference.ts";

const readmePath = new URL("../README.md", import.meta.url);
const reference = renderReference(await buildProgram());
if (process.argv.includes("--write")) {
  const updated = withReference(readFileSync(readmePath, "utf8"), reference);
  if (updated === undefined) {
    process.stderr.write(`README.md has no ${REFERENCE_START} ... ${REFERENCE_END} section\n`);
    process.exit(1);
  }
  writeFileSync(readmePath, updated);
  process.stdout.write("README.md: CLI reference updated\n");
} else {
  process.stdout.write(`${reference}\n`);
}
