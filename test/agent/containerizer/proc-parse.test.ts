import assert from "node:assert/strict";
import { test } from "node:test";
import {
  findPasswdEntry,
  parseCgroupMounts,
  parseKeyValues,
  parseProcCgroup,
  parseProcStat,
} from "../../../src/agent/containerizer/proc-parse.ts";

test("/proc/<pid>/stat parses even when the command name holds spaces and parentheses", () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  fields[0] = "S";
  const stat = parseProcStat(`42 (a (b) c) ${fields.join(" ")}`);
  assert.ok(stat !== null);
  assert.equal(stat.pid, 42);
  assert.equal(stat.state, "S");
  assert.equal(stat.ppid, 4);
  assert.equal(stat.pgrp, 5);
  assert.equal(stat.session, 6);
  assert.equal(stat.utimeTicks, 14);
  assert.equal(stat.stimeTicks, 15);
  assert.equal(stat.numThreads, 20);
  assert.equal(stat.startTimeTicks, 22);
  assert.equal(stat.rssPages, 24);
  assert.equal(parseProcStat("garbage"), null);
});

test("this process's own stat parses and names it as its own pid", async () => {
  const { readFileSync } = await import("node:fs");
  const stat = parseProcStat(readFileSync("/proc/self/stat", "utf8"));
  assert.ok(stat !== null && stat.pid > 0 && stat.rssPages > 0);
});

test("key-value cgroup files parse to numbers", () => {
  const kv = parseKeyValues("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  assert.equal(kv.get("oom_kill"), 2);
  assert.equal(kv.get("under_oom"), 0);
});

test("/proc/self/cgroup gives v1 paths per controller (co-mounted ones split) and the v2 path", () => {
  const own = parseProcCgroup("4:memory:/a/b\n2:cpu,cpuacct:/\n1:name=systemd:/\n0::/x\n");
  assert.equal(own.v1.get("memory"), "/a/b");
  assert.equal(own.v1.get("cpu"), "/");
  assert.equal(own.v1.get("cpuacct"), "/");
  assert.equal(own.v2, "/x");
});

test("mounts give v1 hierarchies by controller and the cgroup2 mount point", () => {
  const mounts = parseCgroupMounts(
    [
      "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,relatime,cpu,cpuacct 0 0",
      "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0",
      "cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0",
      "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0",
    ].join("\n"),
  );
  assert.equal(mounts.v1.get("cpu"), "/sys/fs/cgroup/cpu,cpuacct");
  assert.equal(mounts.v1.get("cpuacct"), "/sys/fs/cgroup/cpu,cpuacct");
  assert.equal(mounts.v1.get("memory"), "/sys/fs/cgroup/memory");
  assert.equal(mounts.v2, "/sys/fs/cgroup/unified");
  assert.equal(parseCgroupMounts("cgroup2 /sys/fs/cgroup cgroup2 rw 0 0").v1.size, 0);
});

test("users are found by name in passwd content", () => {
  const passwd =
    "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
  assert.deepEqual(findPasswdEntry(passwd, "nobody"), {
    name: "nobody",
    uid: 65534,
    gid: 65534,
    home: "/nonexistent",
  });
  assert.equal(findPasswdEntry(passwd, "nob"), null);
});
