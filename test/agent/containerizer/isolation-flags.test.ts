import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Availability,
  chooseIsolators,
  parseIsolation,
} from "../../../src/agent/containerizer/isolation-flags.ts";

const on = (detail: string) => ({ ok: true, detail });
const off = (detail: string) => ({ ok: false, detail });
const everything: Availability = {
  "posix/cpu": on("proc"),
  "posix/mem": on("proc"),
  "cgroups/cpu": on("v1"),
  "cgroups/mem": on("v1"),
  "cgroups/pids": on("v1"),
  "namespaces/pid": on("unshare"),
  "filesystem/linux": on("unshare"),
  "disk/du": on("every 15secs"),
};

test("a comma list parses in order, with blanks and duplicates dropped", () => {
  assert.deepEqual(parseIsolation("cgroups/cpu, cgroups/mem,,cgroups/cpu"), {
    ok: true,
    value: ["cgroups/cpu", "cgroups/mem"],
  });
});

test("Mesos's aliases expand: process, cgroups, cgroups/all, filesystem/posix, posix/disk", () => {
  assert.deepEqual(parseIsolation("posix/disk"), { ok: true, value: ["disk/du"] });
  assert.deepEqual(parseIsolation("process"), { ok: true, value: ["posix/cpu", "posix/mem"] });
  assert.deepEqual(parseIsolation("cgroups"), { ok: true, value: ["cgroups/cpu", "cgroups/mem"] });
  assert.deepEqual(parseIsolation("cgroups/all,filesystem/posix"), {
    ok: true,
    value: ["cgroups/cpu", "cgroups/mem", "cgroups/pids"],
  });
});

test("an unknown isolator is an error that names it", () => {
  const parsed = parseIsolation("posix/cpu,gpu/nvidia");
  assert.ok(!parsed.ok);
  assert.equal(parsed.code, "UNKNOWN_ISOLATOR");
  assert.match(parsed.message, /'gpu\/nvidia'/);
});

test("the default is the strongest set that works: cgroups (pids included) and both namespaces (disk/du only when named)", () => {
  const chosen = chooseIsolators(undefined, everything);
  assert.ok(chosen.ok);
  assert.deepEqual(chosen.value.isolators, [
    "cgroups/cpu",
    "cgroups/mem",
    "cgroups/pids",
    "namespaces/pid",
    "filesystem/linux",
  ]);
  assert.ok(chosen.value.explanation.some((l) => l.startsWith("disk/du: off (only when named")));
  assert.match(chosen.value.explanation[0] ?? "", /posix\/cpu: off \(a stronger isolator/);
});

test("without cgroups or root the default falls back to posix and says why", () => {
  const chosen = chooseIsolators(undefined, {
    ...everything,
    "cgroups/cpu": off("no cpu controller"),
    "cgroups/mem": off("no memory controller"),
    "cgroups/pids": off("no pids controller"),
    "namespaces/pid": off("needs root"),
    "filesystem/linux": off("needs root"),
  });
  assert.ok(chosen.ok);
  assert.deepEqual(chosen.value.isolators, ["posix/cpu", "posix/mem"]);
  assert.ok(chosen.value.explanation.includes("cgroups/mem: off (no memory controller)"));
  assert.ok(chosen.value.explanation.includes("namespaces/pid: off (needs root)"));
});

test("an explicitly requested isolator that cannot work here is an error with the reason", () => {
  const chosen = chooseIsolators(["cgroups/mem"], {
    ...everything,
    "cgroups/mem": off("memory hierarchy not mounted"),
  });
  assert.ok(!chosen.ok);
  assert.equal(chosen.code, "ISOLATOR_UNAVAILABLE");
  assert.match(chosen.message, /'cgroups\/mem'.*memory hierarchy not mounted/);
});

test("an explicit list is used as given and the rest are reported as not requested", () => {
  const chosen = chooseIsolators(["posix/cpu"], everything);
  assert.ok(chosen.ok);
  assert.deepEqual(chosen.value.isolators, ["posix/cpu"]);
  assert.ok(chosen.value.explanation.includes("cgroups/cpu: off (not in --isolation)"));
});
