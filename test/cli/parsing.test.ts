// The CLI's pure parts: master addresses, `run`'s flags and command joining, exit codes from
// terminal statuses, quota/weight/duration text, and table rendering.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, test } from "node:test";
import fc from "fast-check";
import { CliError } from "../../src/cli/cli-error.ts";
import { drainCommand, parseDurationMs } from "../../src/cli/drain.ts";
import { exitCodeOf, signalNumber } from "../../src/cli/exit-status.ts";
import { httpMasterUrl, masterAddressText } from "../../src/cli/master-address.ts";
import { renderTable } from "../../src/cli/output.ts";
import { parseQuantities } from "../../src/cli/quota.ts";
import { joinCommand, runSpec, shellQuote } from "../../src/cli/run-spec.ts";
import { parseWeights } from "../../src/cli/weights.ts";
import { masterInfoUrl } from "../../src/zk/master-info.ts";

describe("master addresses", () => {
  test("HOST:PORT, a bare host and URLs become base URLs; the default port is 5050", () => {
    assert.equal(httpMasterUrl("127.0.0.1:5050"), "http://127.0.0.1:5050");
    assert.equal(httpMasterUrl("master.local"), "http://master.local:5050");
    assert.equal(httpMasterUrl("http://10.0.0.1:6060/"), "http://10.0.0.1:6060");
    assert.equal(httpMasterUrl("https://m.example:8443"), "https://m.example:8443");
  });

  test("an address that is not http(s) is a usage error", () => {
    assert.throws(
      () => httpMasterUrl("ftp://x"),
      (e) => e instanceof CliError && e.exitCode === 2,
    );
  });

  test("--master wins over TESSERA_MASTER, which wins over the default", () => {
    assert.equal(masterAddressText("a:1", { TESSERA_MASTER: "b:2" }), "a:1");
    assert.equal(masterAddressText(undefined, { TESSERA_MASTER: "b:2" }), "b:2");
    assert.equal(masterAddressText(undefined, {}), "http://127.0.0.1:5050");
  });

  test("a leader's MasterInfo from ZooKeeper becomes its URL (address first, else the uint32 ip)", () => {
    const base = { id: "m", ip: 16777343, port: 5050, capabilities: [] };
    assert.equal(masterInfoUrl(base), "http://127.0.0.1:5050");
    assert.equal(
      masterInfoUrl({ ...base, address: { ip: "10.1.2.3", port: 6060 } }),
      "http://10.1.2.3:6060",
    );
  });
});

describe("tessera run's flags", () => {
  test("several words are quoted so each stays one argument of the shell command", () => {
    assert.equal(joinCommand(["sh", "-c", "echo hello; exit 3"]), "sh -c 'echo hello; exit 3'");
    assert.equal(joinCommand(["echo a | wc -c"]), "echo a | wc -c");
    assert.equal(shellQuote("it's"), `'it'"'"'s'`);
  });

  test("quoted words reach the shell unchanged, whatever they hold", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 12 }).filter((s) => !s.includes("\0")),
          { minLength: 1, maxLength: 4 },
        ),
        (words) => {
          const script = `printf '%s\\0' ${words.map(shellQuote).join(" ")}`;
          const out = execFileSync("sh", ["-c", script], { encoding: "utf8" });
          assert.deepEqual(out.split("\0").slice(0, -1), words);
        },
      ),
      { numRuns: 30 },
    );
  });

  test("resources, name and environment are read; the task id is NAME-<hex>", () => {
    const spec = runSpec(
      { cpus: "0.5", mem: "64", name: "hello", env: ["A=1", "B=x=y"], role: "*" },
      ["echo", "hi"],
    );
    assert.equal(spec.cpus, 0.5);
    assert.equal(spec.memMb, 64);
    assert.equal(spec.diskMb, 0);
    assert.deepEqual(spec.env, { A: "1", B: "x=y" });
    assert.match(spec.taskId, /^hello-[0-9a-f]{6}$/);
    assert.equal(spec.command, "echo hi");
  });

  test("bad values are usage errors naming the flag, a bad --image reference too", () => {
    const flags = { cpus: "0.1", mem: "32", role: "*" };
    const usage = (f: () => unknown, flag: RegExp) =>
      assert.throws(f, (e) => e instanceof CliError && e.exitCode === 2 && flag.test(e.message));
    usage(() => runSpec({ ...flags, cpus: "lots" }, ["true"]), /--cpus/);
    usage(() => runSpec({ ...flags, mem: "0" }, ["true"]), /--mem/);
    usage(() => runSpec({ ...flags, env: ["NOVALUE"] }, ["true"]), /--env/);
    usage(() => runSpec({ ...flags, name: "a/b" }, ["true"]), /--name/);
    usage(() => runSpec({ ...flags, image: "Not An Image" }, ["true"]), /--image/);
    assert.equal(runSpec({ ...flags, image: "busybox:1" }, ["true"]).image, "busybox:1");
  });
});

describe("exit codes from terminal statuses", () => {
  test("the command's own status, 128+signal, 137 for a kill, 1 when the command gave no verdict", () => {
    assert.equal(exitCodeOf({ state: "TASK_FINISHED" }), 0);
    assert.equal(exitCodeOf({ state: "TASK_FAILED", message: "Command exited with status 3" }), 3);
    assert.equal(
      exitCodeOf({
        state: "TASK_FAILED",
        message: "Command terminated with signal Segmentation fault",
      }),
      128 + 11,
    );
    assert.equal(
      exitCodeOf({ state: "TASK_KILLED", message: "Command terminated with signal Terminated" }),
      143,
    );
    assert.equal(exitCodeOf({ state: "TASK_KILLED" }), 137);
    assert.equal(exitCodeOf({ state: "TASK_LOST", message: "agent gone" }), 1);
    assert.equal(exitCodeOf({ state: "TASK_ERROR" }), 1);
  });

  test("signals are read by description, name or number", () => {
    assert.equal(signalNumber("Killed"), 9);
    assert.equal(signalNumber("SIGTERM"), 15);
    assert.equal(signalNumber("HUP"), 1);
    assert.equal(signalNumber("2"), 2);
    assert.equal(signalNumber("Nonsense"), undefined);
  });
});

describe("operator values", () => {
  test("quota quantities read Mesos's text and NAME=VALUE lists", () => {
    assert.deepEqual(parseQuantities("cpus:1;mem:512", "--limit"), { cpus: 1, mem: 512 });
    assert.deepEqual(parseQuantities("cpus=0.5,disk=10", "--limit"), { cpus: 0.5, disk: 10 });
    assert.throws(() => parseQuantities("cpus", "--limit"), /--limit: cannot read 'cpus'/);
  });

  test("weights are ROLE=WEIGHT with a positive weight", () => {
    assert.deepEqual(parseWeights(["a=2", "b=0.5"]), [
      { role: "a", weight: 2 },
      { role: "b", weight: 0.5 },
    ]);
    assert.throws(() => parseWeights(["a=0"]), /cannot read 'a=0'/);
    assert.throws(() => parseWeights(["a"]), /cannot read 'a'/);
  });

  test("grace periods read 30s, 10mins, 1h, 500ms and bare seconds", () => {
    assert.equal(parseDurationMs("30s"), 30_000);
    assert.equal(parseDurationMs("10mins"), 600_000);
    assert.equal(parseDurationMs("1h"), 3_600_000);
    assert.equal(parseDurationMs("500ms"), 500);
    assert.equal(parseDurationMs("7"), 7_000);
    assert.equal(parseDurationMs("soon"), undefined);
    assert.equal(parseDurationMs("5x"), undefined);
    assert.ok(drainCommand().options.some((o) => o.long === "--max-grace-period"));
  });
});

test("tables align columns under capitalised headers, with no trailing spaces", () => {
  const text = renderTable(
    [
      { header: "ID", value: (r: { id: string; s: string }) => r.id },
      { header: "STATE", value: (r: { id: string; s: string }) => r.s },
    ],
    [
      { id: "a-long-id", s: "TASK_RUNNING" },
      { id: "b", s: "" },
    ],
  );
  assert.equal(text, "ID         STATE\na-long-id  TASK_RUNNING\nb");
});
