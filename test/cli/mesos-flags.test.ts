// `tessera master` and `tessera agent` read flags as Mesos writes them: `--name=value`, a bare
// boolean flag meaning true, `--no-name` meaning false, Mesos's other names of a flag; the
// values reach the flag parser under their Mesos names; an unknown flag is refused naming the
// nearest known one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Command } from "commander";
import { AGENT_FLAG_SPECS, parseAgentFlags } from "../../src/agent/flags.ts";
import { unknownFlagMessage } from "../../src/base/flag-parsing.ts";
import { addMesosFlags, strayArgumentMessage } from "../../src/cli/mesos-flags.ts";
import { MASTER_FLAG_SPECS } from "../../src/master/flags.ts";
import { tessera } from "./helpers.ts";

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

test("Mesos's other names are options too (--slave_ping_timeout), with their --no- forms", () => {
  const command = new Command("master").exitOverride();
  addMesosFlags(command, MASTER_FLAG_SPECS);
  let seen: Record<string, string | boolean | undefined> = {};
  command.action((opts: Record<string, string | boolean | undefined>) => {
    seen = opts;
  });
  command.parse(["--slave_ping_timeout=20secs", "--no-hostname_lookup", "--quorum=2"], {
    from: "user",
  });
  assert.deepEqual(seen, { slave_ping_timeout: "20secs", hostname_lookup: false, quorum: "2" });
});

test("a word commander did not take is refused the Mesos way, with the nearest flag", () => {
  const message = (words: string[]) =>
    strayArgumentMessage(words, MASTER_FLAG_SPECS, unknownFlagMessage);
  assert.equal(message([]), undefined);
  assert.equal(
    message(["--work_dri=/w"]),
    "Failed to load unknown flag 'work_dri'; did you mean --work_dir?",
  );
  assert.equal(
    message(["--no-hostname_lokup"]),
    "Failed to load unknown flag 'no-hostname_lokup'; did you mean --hostname_lookup?",
  );
  assert.match(message(["/etc/mesos"]) ?? "", /unexpected argument '\/etc\/mesos'/);
});

test("`tessera master` and `tessera agent` refuse an unknown flag with a suggestion, exit 1", async () => {
  const master = await tessera(["master", "--registry=in_memory", "--quorm=1"]);
  assert.equal(master.code, 1);
  assert.equal(
    master.stderr.trim(),
    "tessera master: Failed to load unknown flag 'quorm'; did you mean --quorum?",
  );
  const agent = await tessera(["agent", "--work_dir=/tmp/x", "--slave_subsystem=cpu"]);
  assert.equal(agent.code, 1);
  assert.match(agent.stderr, /unknown flag 'slave_subsystem'; did you mean --slave_subsystems\?/);
});
