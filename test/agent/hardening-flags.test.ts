// The agent's isolation flags (docs/task-isolation.md): --allow_root_tasks and
// --container_pids_limit parse with their defaults, refuse bad values, and show in /flags.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONTAINER_PIDS_LIMIT } from "../../src/agent/containerizer/containerizer.ts";
import { agentFlagValues, parseAgentFlags } from "../../src/agent/flags.ts";

test("--allow_root_tasks defaults to true and --container_pids_limit to 4096; both show in /flags", () => {
  const parsed = parseAgentFlags({ work_dir: "/tmp/w" });
  assert.ok(parsed.ok);
  assert.equal(parsed.flags.allowRootTasks, true);
  assert.equal(parsed.flags.containerPidsLimit, DEFAULT_CONTAINER_PIDS_LIMIT);
  const values = agentFlagValues(parsed.flags);
  assert.equal(values.allow_root_tasks, "true");
  assert.equal(values.container_pids_limit, "4096");
});

test("both take values from the command line; a limit that is not a count is refused", () => {
  const parsed = parseAgentFlags({
    work_dir: "/tmp/w",
    allow_root_tasks: "false",
    container_pids_limit: "0",
  });
  assert.ok(parsed.ok);
  assert.equal(parsed.flags.allowRootTasks, false);
  assert.equal(parsed.flags.containerPidsLimit, 0);
  const bad = parseAgentFlags({ work_dir: "/tmp/w", container_pids_limit: "-5" });
  assert.ok(!bad.ok);
  assert.match(JSON.stringify(bad), /container_pids_limit/);
});
