// `tessera master` and `tessera agent` read flags as Mesos writes them: `--name=value`, a bare
// boolean flag meaning true, and `--no-name` meaning false; the values reach the flag parser
// under their Mesos names.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Command } from "commander";
import { AGENT_FLAG_SPECS, parseAgentFlags } from "../../src/agent/flags.ts";
import { addMesosFlags } from "../../src/cli/mesos-flags.ts";

function parse(args: string[]): Record<string, string | boolean | undefined> {
  const command = new Command("agent").exitOverride();
  addMesosFlags(command, AGENT_FLAG_SPECS);
  let seen: Record<string, string | boolean | undefined> = {};
  command.action((opts: Record<string, string | boolean | undefined>) => {
    seen = opts;
  });
  command.parse(args, { from: "user" });
  return seen;
}

test("--name=value, a bare boolean and --no-name, as Mesos takes them", () => {
  const opts = parse([
    "--work_dir=/w",
    "--no-switch_user",
    "--strict",
    "--cgroups_enable_cfs=false",
    "--gc_delay",
    "2days",
  ]);
  const r = parseAgentFlags(opts);
  assert.ok(r.ok, r.ok ? "" : r.message);
  assert.equal(r.flags.workDir, "/w");
  assert.equal(r.flags.switchUser, false);
  assert.equal(r.flags.strict, true);
  assert.equal(r.flags.cgroupsEnableCfs, false);
  assert.equal(r.flags.gcDelayMs, 2 * 24 * 3_600_000);
});

test("a flag not given keeps its default (a --no- form sets nothing by itself)", () => {
  const r = parseAgentFlags(parse(["--work_dir=/w"]));
  assert.ok(r.ok);
  assert.equal(r.flags.switchUser, true);
  assert.equal(r.flags.strict, true);
  assert.equal(r.flags.cgroupsEnableCfs, true);
});
