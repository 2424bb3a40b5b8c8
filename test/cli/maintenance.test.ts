// `tessera maintenance` against a real master and agent, through the real binary: the schedule
// set from a file and printed, the status, `down` (the agent is shut down) and `up`, and
// one-line errors for bad files and machines the schedule does not list.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { RunningAgent } from "../../src/agent/server.ts";
import type { RunningMaster } from "../../src/master/server.ts";
import { startMasterForAgents, startTestAgent, tempWorkDir } from "../agent/integration/helpers.ts";
import { lines, tessera } from "./helpers.ts";

let master: RunningMaster;
let agent: RunningAgent;
let dir: string;
let removeWorkDir: () => Promise<void>;
const cli = (...args: string[]) => tessera(args, { TESSERA_MASTER: master.url });
const START_MS = Date.UTC(2030, 0, 1);

before(async () => {
  master = await startMasterForAgents();
  const work = await tempWorkDir();
  dir = work.dir;
  removeWorkDir = work.remove;
  agent = await startTestAgent(master, join(dir, "agent"));
});

after(async () => {
  await agent?.close();
  await master?.close();
  await removeWorkDir?.();
});

describe("tessera maintenance", () => {
  test("`schedule FILE` sets the schedule that `schedule` and `status` print; a bad file changes nothing", async () => {
    const empty = await cli("maintenance", "schedule", "--json");
    assert.equal(empty.code, 0, empty.stderr);
    assert.deepEqual(JSON.parse(empty.stdout), {});
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "[1, 2]");
    const refused = await cli("maintenance", "schedule", bad);
    assert.equal(refused.code, 2);
    assert.equal(lines(refused.stderr).length, 1);

    const file = join(dir, "schedule.json");
    const window = {
      machine_ids: [{ hostname: "localhost", ip: "127.0.0.1" }],
      unavailability: {
        start: { nanoseconds: START_MS * 1e6 },
        duration: { nanoseconds: 3600e9 },
      },
    };
    writeFileSync(file, JSON.stringify({ windows: [window] }));
    const set = await cli("maintenance", "schedule", file);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, "maintenance schedule updated: 1 machine(s)\n");
    const table = await cli("maintenance", "schedule");
    assert.deepEqual(lines(table.stdout), [
      "HOSTNAME   IP         MODE      START                     DURATION",
      "localhost  127.0.0.1  DRAINING  2030-01-01T00:00:00.000Z  3600s",
    ]);
    const status = await cli("maintenance", "status");
    assert.match(lines(status.stdout)[0] ?? "", /^HOSTNAME\s+IP\s+MODE\s+ANSWERS$/);
    assert.match(lines(status.stdout)[1] ?? "", /^localhost\s+127\.0\.0\.1\s+DRAINING\s+-$/);
  });

  test("`down HOST` shuts the machine's agent down, `up IP` ends its maintenance; an unlisted host is refused by the master", async () => {
    const unknown = await cli("maintenance", "down", "nosuch");
    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.stderr,
      `error: the master (START_MAINTENANCE) refused the request: 400 Machine '{"hostname":"nosuch"}' is not part of a maintenance schedule\n`,
    );
    const down = await cli("maintenance", "down", "LOCALHOST");
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stdout, "localhost/127.0.0.1 DOWN\n");
    await agent.stopped;
    const status = JSON.parse((await cli("maintenance", "status", "--json")).stdout);
    assert.deepEqual(status, { down_machines: [{ hostname: "localhost", ip: "127.0.0.1" }] });
    const up = await cli("maintenance", "up", "127.0.0.1");
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(JSON.parse((await cli("maintenance", "schedule", "--json")).stdout), {});
  });
});
