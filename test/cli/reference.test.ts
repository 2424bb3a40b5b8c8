// The README's command reference and every command's --help are the CLI's own definitions:
// the reference section must equal what scripts/cli-reference.ts generates, and each
// command's help must list each option it defines.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { Command } from "commander";
import { buildProgram } from "../../src/cli/main.ts";
import {
  REFERENCE_END,
  REFERENCE_START,
  REGENERATE_COMMAND,
  renderReference,
} from "../../src/cli/reference.ts";
import { lines, tessera } from "./helpers.ts";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

function allCommands(command: Command): Command[] {
  return command.commands.filter((c) => c.name() !== "help").flatMap((c) => [c, ...allCommands(c)]);
}

test("the README keeps its first two commands at the top", () => {
  assert.deepEqual(readme.split("\n").slice(0, 6), [
    "# Tessera",
    "",
    "```sh",
    "npm install && npm run dev       # install, then start a local cluster: master + agent, state in ./.tessera",
    "npm test                         # type-check, lint and every test",
    "```",
  ]);
});

test("the README's command reference is what the CLI's definitions generate", async () => {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  assert.ok(start !== -1 && end > start, `README.md lacks the ${REFERENCE_START} section`);
  const inReadme = readme.slice(start + REFERENCE_START.length, end).trim();
  const generated = renderReference(await buildProgram()).trim();
  assert.ok(
    inReadme === generated,
    `README.md's command reference is out of date: run \`${REGENERATE_COMMAND}\``,
  );
});

test("every command's --help lists each of its options and subcommands", async () => {
  const commands = allCommands(await buildProgram());
  assert.ok(commands.length >= 20);
  for (const command of commands) {
    const help = command.helpInformation();
    for (const option of command.options) {
      assert.ok(help.includes(option.flags), `${command.name()} --help lacks ${option.flags}`);
    }
    for (const sub of command.commands) {
      if (sub.name() !== "help") assert.match(help, new RegExp(`\\b${sub.name()}\\b`));
    }
  }
});

test("`tessera run --help` from the binary shows run's usage and every one of its options", async () => {
  const run = (await buildProgram()).commands.find((c) => c.name() === "run");
  assert.ok(run !== undefined);
  const r = await tessera(["run", "--help"]);
  assert.equal(r.code, 0);
  assert.equal(lines(r.stdout)[0], "Usage: tessera run [options] <command...>");
  for (const option of run.options) assert.ok(r.stdout.includes(option.flags), option.flags);
});

test("`tessera --help` from the binary lists every command", async () => {
  const r = await tessera(["--help"]);
  assert.equal(r.code, 0);
  for (const command of (await buildProgram()).commands) {
    assert.match(r.stdout, new RegExp(`^  ${command.name()}\\b`, "m"));
  }
});

test("a command line naming one command loads that command exactly as the full program defines it", async () => {
  const full = await buildProgram();
  for (const command of full.commands) {
    if (command.name() === "help") continue;
    const lazy = await buildProgram(command.name());
    const same = lazy.commands.find((c) => c.name() === command.name());
    assert.ok(same !== undefined, `${command.name()} is not in COMMAND_MODULES (src/cli/main.ts)`);
    assert.equal(same.helpInformation(), command.helpInformation(), command.name());
  }
  assert.equal((await buildProgram("version")).commands.length, 1);
});
