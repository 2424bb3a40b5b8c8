import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import fc from "fast-check";
import {
  decodeNativeReply,
  encodeNativeRequest,
  type NativeLaunchRequest,
  nativeLauncher,
} from "../../../src/agent/containerizer/native-launcher.ts";

const base: NativeLaunchRequest = {
  command: { shell: true, value: "echo hi" },
  sandboxDir: "/w/sb",
  env: { PATH: "/bin", A: "b=c" },
  stdoutPath: "/w/sb/stdout",
  stderrPath: "/w/sb/stderr",
  cgroupProcsFiles: [],
  pidNamespace: false,
  mountPoint: null,
  user: null,
};

/** The request's tokens, checking the length header against the payload. */
function tokens(bytes: Buffer): string[] {
  const newline = bytes.indexOf(0x0a);
  const length = Number(bytes.subarray(0, newline).toString("ascii"));
  const payload = bytes.subarray(newline + 1);
  assert.equal(payload.length, length, "the header counts the payload's bytes");
  assert.equal(payload.at(-1), 0, "every token ends with a NUL");
  return payload.subarray(0, -1).toString("utf8").split("\0");
}

test("a shell command is /bin/sh -c with the whole environment, run in the sandbox it creates", () => {
  const t = tokens(encodeNativeRequest(7, base));
  assert.deepEqual(t.slice(0, 4), ["id", "7", "file", "/bin/sh"]);
  const at = (name: string) => t.indexOf(name);
  assert.deepEqual(t.slice(at("argv"), at("argv") + 5), ["argv", "3", "sh", "-c", "echo hi"]);
  assert.deepEqual(t.slice(at("env"), at("env") + 4), ["env", "2", "PATH=/bin", "A=b=c"]);
  assert.deepEqual(t.slice(at("mkdir"), at("mkdir") + 2), ["mkdir", "/w/sb"]);
  assert.deepEqual(t.slice(at("cwd"), at("cwd") + 2), ["cwd", "/w/sb"]);
  assert.equal(at("pidns"), -1);
  assert.equal(at("mountns"), -1);
});

test("without a shell, arguments[0] is argv[0] and the value is the file", () => {
  const t = tokens(
    encodeNativeRequest(1, {
      ...base,
      command: { shell: false, value: "/bin/echo", arguments: ["my-echo", "a b", ""] },
    }),
  );
  assert.deepEqual(t.slice(2, 4), ["file", "/bin/echo"]);
  assert.deepEqual(t.slice(t.indexOf("argv"), t.indexOf("argv") + 5), [
    "argv",
    "3",
    "my-echo",
    "a b",
    "",
  ]);
});

test("isolation: cgroups joined, pid namespace, sandbox and private /tmp mounted, task starts in the mount point, user", () => {
  const t = tokens(
    encodeNativeRequest(2, {
      ...base,
      cgroupProcsFiles: ["/cg/cpu/x/cgroup.procs", "/cg/memory/x/cgroup.procs"],
      pidNamespace: true,
      mountPoint: "/mnt/mesos/sandbox",
      user: { name: "nobody", uid: 65534, gid: 65534 },
    }),
  );
  const joined = t.join(" ");
  assert.match(joined, /cgroup \/cg\/cpu\/x\/cgroup\.procs cgroup \/cg\/memory\/x\/cgroup\.procs/);
  assert.match(joined, /pidns/);
  assert.match(
    joined,
    /mountns mkdir \/w\/sb\/tmp bind \/w\/sb \/mnt\/mesos\/sandbox bind \/w\/sb\/tmp \/tmp/,
  );
  assert.match(joined, /cwd \/mnt\/mesos\/sandbox/);
  assert.match(joined, /user nobody 65534 65534/);
});

test("a NUL inside any argument is refused rather than split into two tokens", () => {
  assert.throws(() => encodeNativeRequest(3, { ...base, env: { A: "x\0y" } }), /NUL/);
  assert.throws(
    () => encodeNativeRequest(3, { ...base, command: { shell: true, value: "a\0b" } }),
    /NUL/,
  );
});

test("arbitrary argument strings come back token for token", () => {
  const noNul = fc.string({ unit: "grapheme" }).filter((s) => !s.includes("\0"));
  fc.assert(
    fc.property(fc.array(noNul, { maxLength: 6 }), noNul, (args, value) => {
      const t = tokens(
        encodeNativeRequest(4, {
          ...base,
          command: { shell: false, value: `/bin/${value}`, arguments: ["argv0", ...args] },
        }),
      );
      const at = t.indexOf("argv");
      assert.equal(t[3], `/bin/${value}`);
      assert.deepEqual(t.slice(at + 2, at + 3 + args.length), ["argv0", ...args]);
    }),
  );
});

test("replies: started, failed with a message, exited with a code, ended by a signal", () => {
  assert.deepEqual(decodeNativeReply("S 4 1234"), { id: 4, pid: 1234 });
  assert.deepEqual(decodeNativeReply("F 5 cannot execute nosuch: No such file"), {
    id: 5,
    error: "cannot execute nosuch: No such file",
  });
  assert.deepEqual(decodeNativeReply("X 6 3 0"), { id: 6, code: 3, signal: null });
  assert.deepEqual(decodeNativeReply("X 6 -1 9"), { id: 6, code: null, signal: "SIGKILL" });
  assert.deepEqual(decodeNativeReply("X 6 -1 15"), { id: 6, code: null, signal: "SIGTERM" });
  assert.equal(decodeNativeReply("garbage"), null);
  assert.equal(decodeNativeReply("Q 1 2"), null);
});

test("where a C compiler is installed the launcher is built, cached by source hash, and runs", (t) => {
  if (spawnSync("cc", ["--version"], { stdio: "ignore" }).status !== 0) {
    return t.skip("no C compiler here: the agent uses the Node helper");
  }
  const built = nativeLauncher();
  assert.ok(built.ok, built.ok ? "" : built.reason);
  assert.match(built.path, /tessera-launcher-[0-9a-f]{16}$/);
  assert.equal(spawnSync(built.path, [], { input: "" }).status, 0, "it exits at end of input");
});

test("directories below /tmp kept visible are bound into the sandbox's tmp before it covers /tmp, then made read-only", () => {
  const t = tokens(
    encodeNativeRequest(8, {
      ...base,
      mountPoint: "/mnt/mesos/sandbox",
      launcherDirs: ["/tmp/ci-clone"],
    }),
  );
  const joined = t.join(" ");
  assert.match(joined, /mkdir \/w\/sb\/tmp\/ci-clone bind \/tmp\/ci-clone \/w\/sb\/tmp\/ci-clone/);
  assert.ok(joined.indexOf("bind /tmp/ci-clone") < joined.indexOf("bind /w/sb/tmp /tmp"));
  assert.match(joined, /rdonly \/tmp\/ci-clone/);
});
