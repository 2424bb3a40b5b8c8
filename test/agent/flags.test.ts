// `tessera agent` flags (reference §8.1, §8.7): Mesos's defaults, command line over
// TESSERA_* variables over defaults, resources detected as Mesos does (cpus, memory minus a
// 1 GB reserve, the work dir's disk minus a 5 GB reserve, ports 31000-32000) and overridden
// per name by --resources, and bad values refused with one line naming the flag.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { agentFlagValues, parseAgentFlags } from "../../src/agent/flags.ts";
import {
  agentResources,
  defaultDiskMb,
  defaultMemMb,
  defaultResourcesText,
  detectMachine,
} from "../../src/agent/resources-detect.ts";
import { AgentStartError, startAgent } from "../../src/agent/server.ts";

const MB = 1024 * 1024;
const GB = 1024 * MB;

function parsed(given: Record<string, string>, env: Record<string, string> = {}) {
  const r = parseAgentFlags(given, env);
  assert.ok(r.ok, r.ok ? "" : r.message);
  return r.flags;
}

function refused(given: Record<string, string>, env: Record<string, string> = {}) {
  const r = parseAgentFlags(given, env);
  assert.ok(!r.ok, "the flags were accepted");
  assert.doesNotMatch(r.message, /\n/, "the error is one line");
  return r;
}

describe("agent flag defaults", () => {
  it("only --work_dir is required; the rest default as in Mesos (port 5051, reconnect, timeouts)", () => {
    const f = parsed({ work_dir: "/var/lib/tessera" });
    assert.equal(f.port, 5051);
    assert.equal(f.ip, "0.0.0.0");
    assert.equal(f.master, undefined);
    assert.equal(f.recover, "reconnect");
    assert.equal(f.executorRegistrationTimeoutMs, 60_000);
    assert.equal(f.executorReregistrationTimeoutMs, 2_000);
    assert.equal(f.executorShutdownGracePeriodMs, 5_000);
    assert.equal(f.recoveryTimeoutMs, 15 * 60_000);
    assert.equal(f.registrationBackoffFactorMs, 1_000);
    assert.equal(f.zkSessionTimeoutMs, 10_000);
    assert.equal(f.gcDelayMs, 7 * 24 * 3_600_000);
    assert.equal(f.gcDiskHeadroom, 0.1);
    assert.equal(f.diskWatchIntervalMs, 60_000);
    assert.equal(f.containerDiskWatchIntervalMs, 15_000);
    assert.equal(f.enforceContainerDiskQuota, false);
    assert.equal(f.strict, true);
    assert.equal(f.maxCompletedExecutorsPerFramework, 150);
    assert.equal(f.advertiseIp, undefined);
    assert.equal(f.advertisePort, undefined);
    assert.equal(f.cgroupsEnableCfs, true, "Tessera's choice; Mesos's default is false");
    assert.equal(f.sandboxDirectory, "/mnt/mesos/sandbox");
    assert.equal(f.switchUser, true);
    assert.equal(f.executorEnvironmentVariables, undefined, "the agent's own environment");
    assert.equal(f.isolation, undefined, "the strongest isolation that works is chosen later");
    assert.equal(f.resources, undefined, "resources are detected");
  });

  it("/flags shows the defaults in Mesos's duration format", () => {
    const values = agentFlagValues(parsed({ work_dir: "/w" }));
    assert.equal(values.port, "5051");
    assert.equal(values.executor_registration_timeout, "1mins");
    assert.equal(values.executor_reregistration_timeout, "2secs");
    assert.equal(values.recovery_timeout, "15mins");
    assert.equal(values.recover, "reconnect");
    assert.equal(values.zk_session_timeout, "10secs");
    assert.equal(values.gc_delay, "1weeks");
    assert.equal(values.gc_disk_headroom, "0.1");
    assert.equal(values.disk_watch_interval, "1mins");
    assert.equal(values.container_disk_watch_interval, "15secs");
    assert.equal(values.enforce_container_disk_quota, "false");
  });
});

describe("detected resources", () => {
  it("memory is RAM minus 1 GB from 2 GB up, else half; disk is the filesystem minus 5 GB from 10 GB up, else half", () => {
    assert.equal(defaultMemMb(16 * GB), 15 * 1024);
    assert.equal(defaultMemMb(2 * GB), 1024);
    assert.equal(defaultMemMb(1 * GB), 512);
    assert.equal(defaultMemMb(undefined), 1024);
    assert.equal(defaultDiskMb(100 * GB), 95 * 1024);
    assert.equal(defaultDiskMb(10 * GB), 5 * 1024);
    assert.equal(defaultDiskMb(4 * GB), 2 * 1024);
    assert.equal(defaultDiskMb(undefined), 10 * 1024);
  });

  it("on this machine: cpus online, memory and the work dir's disk less their reserves, ports 31000-32000", () => {
    const facts = detectMachine(tmpdir());
    assert.equal(facts.cpus, availableParallelism());
    assert.equal(facts.memBytes, totalmem());
    const st = statfsSync(tmpdir());
    assert.equal(facts.diskBytes, st.blocks * st.bsize);
    const r = agentResources(undefined, facts);
    assert.ok(r.ok);
    assert.equal(r.value.get("cpus"), availableParallelism() * 1000);
    assert.equal(r.value.get("mem"), defaultMemMb(totalmem()) * 1000);
    assert.equal(r.value.get("disk"), defaultDiskMb(st.blocks * st.bsize) * 1000);
    const ports = r.value.toArray().find((x) => x.name === "ports");
    assert.match(JSON.stringify(ports), /31000/);
    assert.match(JSON.stringify(ports), /32000/);
  });

  it("--resources overrides only the names it gives; the rest stay detected", () => {
    const facts = { cpus: 8, memBytes: 16 * GB, diskBytes: 100 * GB };
    assert.equal(
      defaultResourcesText(facts, ["cpus"]),
      `mem:${15 * 1024};disk:${95 * 1024};ports:[31000-32000]`,
    );
    const r = agentResources("cpus:2;gpus:1", facts);
    assert.ok(r.ok);
    assert.equal(r.value.get("cpus"), 2000);
    assert.equal(r.value.get("gpus"), 1000);
    assert.equal(r.value.get("mem"), 15 * 1024 * 1000);
    assert.equal(r.value.get("disk"), 95 * 1024 * 1000);
  });

  it("--resources as a JSON array is accepted too", () => {
    const facts = { cpus: 4, memBytes: 8 * GB, diskBytes: 50 * GB };
    const r = agentResources(
      JSON.stringify([{ name: "mem", type: "SCALAR", scalar: { value: 512 } }]),
      facts,
    );
    assert.ok(r.ok, r.ok ? "" : r.message);
    assert.equal(r.value.get("mem"), 512 * 1000);
    assert.equal(r.value.get("cpus"), 4000);
  });
});

describe("flag sources", () => {
  it("TESSERA_* variables set flags, and the command line wins over them", () => {
    const env = {
      TESSERA_WORK_DIR: "/from-env",
      TESSERA_PORT: "5999",
      TESSERA_RECOVER: "cleanup",
      TESSERA_EXECUTOR_REGISTRATION_TIMEOUT: "30secs",
      TESSERA_ISOLATION: "posix/cpu,posix/mem",
    };
    const fromEnv = parsed({}, env);
    assert.equal(fromEnv.workDir, "/from-env");
    assert.equal(fromEnv.port, 5999);
    assert.equal(fromEnv.recover, "cleanup");
    assert.equal(fromEnv.executorRegistrationTimeoutMs, 30_000);
    assert.equal(fromEnv.isolation, "posix/cpu,posix/mem");
    const both = parsed({ work_dir: "/from-cli", port: "0" }, env);
    assert.equal(both.workDir, "/from-cli");
    assert.equal(both.port, 0);
    assert.equal(both.recover, "cleanup");
  });

  it("overrides on the command line replace the defaults", () => {
    const f = parsed({
      work_dir: "/w",
      master: "10.0.0.1:5050",
      ip: "127.0.0.1",
      port: "5052",
      hostname: "agent-7",
      attributes: "rack:r1",
      executor_shutdown_grace_period: "250ms",
      registration_backoff_factor: "10ms",
      zk_session_timeout: "3secs",
      gc_delay: "2hrs",
      gc_disk_headroom: "0.25",
      disk_watch_interval: "5secs",
      container_disk_watch_interval: "1secs",
      enforce_container_disk_quota: "true",
      advertise_ip: "203.0.113.7",
      advertise_port: "15051",
      containerizers: "mesos",
      strict: "false",
      max_completed_executors_per_framework: "10",
      cgroups_enable_cfs: "false",
      sandbox_directory: "/sandbox",
      switch_user: "false",
      executor_environment_variables: '{"PATH":"/bin","A":"b"}',
      cgroups_root: "custom",
      log_level: "WARNING",
    });
    assert.equal(f.master, "10.0.0.1:5050");
    assert.equal(f.ip, "127.0.0.1");
    assert.equal(f.port, 5052);
    assert.equal(f.hostname, "agent-7");
    assert.equal(f.attributes, "rack:r1");
    assert.equal(f.executorShutdownGracePeriodMs, 250);
    assert.equal(f.registrationBackoffFactorMs, 10);
    assert.equal(f.zkSessionTimeoutMs, 3_000);
    assert.equal(f.gcDelayMs, 2 * 3_600_000);
    assert.equal(f.gcDiskHeadroom, 0.25);
    assert.equal(f.diskWatchIntervalMs, 5_000);
    assert.equal(f.containerDiskWatchIntervalMs, 1_000);
    assert.equal(f.enforceContainerDiskQuota, true);
    assert.equal(f.advertiseIp, "203.0.113.7");
    assert.equal(f.advertisePort, 15051);
    assert.equal(f.strict, false);
    assert.equal(f.maxCompletedExecutorsPerFramework, 10);
    assert.equal(f.cgroupsEnableCfs, false);
    assert.equal(f.sandboxDirectory, "/sandbox");
    assert.equal(f.switchUser, false);
    assert.deepEqual(f.executorEnvironmentVariables, { PATH: "/bin", A: "b" });
    assert.equal(f.cgroupsRoot, "custom");
    assert.equal(f.logLevel, "warn");
  });
});

describe("bad flag values", () => {
  it("a missing --work_dir is refused naming it", () => {
    const r = refused({});
    assert.equal(r.flag, "work_dir");
    assert.match(r.message, /work_dir/);
  });

  for (const [flag, value] of [
    ["port", "50x1"],
    ["port", "70000"],
    ["recover", "sometimes"],
    ["executor_registration_timeout", "soon"],
    ["executor_reregistration_timeout", "16secs"],
    ["log_level", "LOUD"],
    ["zk_session_timeout", "0secs"],
    ["gc_delay", "a while"],
    ["gc_disk_headroom", "1.5"],
    ["gc_disk_headroom", "-0.1"],
    ["gc_disk_headroom", "tenth"],
    ["disk_watch_interval", "0secs"],
    ["container_disk_watch_interval", "0secs"],
    ["docker_socket", "relative/docker.sock"],
    ["containerizers", "rkt"],
    ["advertise_port", "0"],
    ["advertise_port", "http"],
    ["strict", "very"],
    ["max_completed_executors_per_framework", "-1"],
    ["logging_level", "CHATTY"],
    ["enforce_container_disk_quota", "sometimes"],
    ["switch_user", "maybe"],
    ["cgroups_enable_cfs", "yes please"],
    ["sandbox_directory", "relative/dir"],
    ["executor_environment_variables", "{not json"],
    ["executor_environment_variables", '{"PATH":1}'],
    ["executor_environment_variables", '["PATH=/bin"]'],
  ] as const) {
    it(`--${flag}=${value} is refused with one line naming the flag`, () => {
      const r = refused({ work_dir: "/w", [flag]: value });
      assert.equal(r.flag, flag);
      assert.match(r.message, new RegExp(`'${flag}'`));
    });
  }

  it("a bad value from a TESSERA_* variable is refused the same way", () => {
    const r = refused({ work_dir: "/w" }, { TESSERA_PORT: "eighty" });
    assert.equal(r.flag, "port");
    assert.match(r.message, /eighty/);
  });

  it("an unknown flag is refused naming it", () => {
    const r = refused({ work_dir: "/w", no_such_flag: "1" });
    assert.equal(r.flag, "no_such_flag");
    assert.match(r.message, /no_such_flag/);
  });

  it("--logging_level (Mesos's name) sets the level, over --log_level", () => {
    assert.equal(parsed({ work_dir: "/w", logging_level: "ERROR" }).logLevel, "error");
    assert.equal(
      parsed({ work_dir: "/w", logging_level: "WARNING", log_level: "ERROR" }).logLevel,
      "warn",
    );
  });

  it("a value file:///path is read from that file, as Mesos reads it (trailing newline dropped)", () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-flagfile-"));
    try {
      writeFileSync(join(dir, "resources"), "cpus:3;mem:2048\n");
      writeFileSync(join(dir, "master"), "10.0.0.9:5050\n");
      const f = parsed({
        work_dir: "/w",
        resources: `file://${join(dir, "resources")}`,
        master: `file://${join(dir, "master")}`,
      });
      assert.equal(f.resources, "cpus:3;mem:2048");
      assert.equal(f.master, "10.0.0.9:5050");
      const r = refused({ work_dir: "/w", attributes: `file://${join(dir, "missing")}` });
      assert.equal(r.flag, "attributes");
      assert.match(r.message, /'attributes'.*cannot read .*missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--containerizers=docker,mesos turns the Docker containerizer on with its flags; rkt is refused", () => {
    const r = parseAgentFlags({
      work_dir: "/w",
      containerizers: "docker,mesos",
      docker_socket: "/run/d.sock",
      docker_remove_delay: "1mins",
      docker_stop_timeout: "3secs",
      docker_kill_orphans: "false",
    });
    assert.ok(r.ok, r.ok ? "" : r.message);
    assert.deepEqual(r.flags.docker, {
      enabled: true,
      mesos: true,
      socket: "/run/d.sock",
      removeDelayMs: 60_000,
      stopTimeoutMs: 3_000,
      killOrphans: false,
    });
    assert.equal(agentFlagValues(r.flags).containerizers, "mesos,docker");
    const d = parseAgentFlags({ work_dir: "/w" });
    assert.ok(d.ok && !d.flags.docker.enabled && d.flags.docker.removeDelayMs === 6 * 3_600_000);
    assert.match(
      refused({ work_dir: "/w", containerizers: "rkt" }).message,
      /'rkt' is not a containerizer/,
    );
  });

  it("a bad --resources or --attributes stops startAgent with one line naming the flag", async () => {
    for (const [flag, value] of [
      ["resources", "cpus:lots"],
      ["attributes", "::"],
    ] as const) {
      await assert.rejects(
        startAgent({ flags: { work_dir: tmpdir(), port: "0", ip: "127.0.0.1", [flag]: value } }),
        (error: unknown) => {
          assert.ok(error instanceof AgentStartError, String(error));
          assert.equal(error.flag, flag);
          assert.match(error.message, new RegExp(`'${flag}'`));
          assert.doesNotMatch(error.message, /\n/);
          return true;
        },
      );
    }
  });
});

describe("Mesos's agent flags, unchanged", () => {
  it("MESOS_* variables set flags (a Mesos EnvironmentFile works); TESSERA_* and the command line win", () => {
    const env = { MESOS_WORK_DIR: "/var/lib/mesos", MESOS_PORT: "5061", MESOS_STRICT: "false" };
    const f = parsed({}, env);
    assert.equal(f.workDir, "/var/lib/mesos");
    assert.equal(f.port, 5061);
    assert.equal(f.strict, false);
    assert.equal(parsed({}, { ...env, TESSERA_PORT: "5071" }).port, 5071);
    assert.equal(parsed({ port: "5081" }, { ...env, TESSERA_PORT: "5071" }).port, 5081);
  });

  it("every flag of Mesos's agent (reference §8.7) is accepted; those without effect are named with why", () => {
    const r = parseAgentFlags({
      work_dir: "/w",
      master: "zk://10.0.0.1:2181,10.0.0.2:2181/mesos",
      containerizers: "mesos",
      reconfiguration_policy: "equal",
      http_heartbeat_interval: "30secs",
      http_command_executor: "false",
      default_role: "*",
      cgroups_hierarchy: "/sys/fs/cgroup",
      cgroups_root: "mesos",
      cgroups_limit_swap: "false",
      fetcher_cache_size: "2GB",
      fetcher_stall_timeout: "1mins",
      docker_remove_delay: "6hrs",
      docker_stop_timeout: "0ns",
      authenticate_http_readonly: "false",
      authenticate_http_readwrite: "false",
      authenticate_http_executors: "false",
      http_executor_domain_sockets: "false",
      agent_features: '{"capabilities":[{"type":"MULTI_ROLE"}]}',
      slave_subsystems: "cpu,memory",
      log_dir: "/var/log/mesos",
      logbufsecs: "0",
      hostname_lookup: "false",
    });
    assert.ok(r.ok, r.ok ? "" : r.message);
    assert.equal(r.flags.logDir, "/var/log/mesos");
    assert.equal(r.flags.cgroupsRoot, "mesos");
    const named = r.withoutEffect.map((f) => f.flag);
    for (const flag of ["reconfiguration_policy", "fetcher_cache_size", "agent_subsystems"]) {
      assert.ok(named.includes(flag), `${flag} is named in ${named}`);
    }
    assert.ok(!named.includes("log_dir") && !named.includes("authenticate_http_readonly"));
    // The Docker containerizer's flags take effect (docker-flags.ts).
    assert.ok(!named.includes("docker_remove_delay") && !named.includes("docker_stop_timeout"));
    const cache = r.withoutEffect.find((f) => f.flag === "fetcher_cache_size");
    assert.deepEqual(cache, {
      flag: "fetcher_cache_size",
      value: "2GB",
      reason: "URIs are fetched into each sandbox; there is no fetcher cache",
    });
  });

  it("authentication without credentials or a key is refused, and an unknown flag suggests the nearest one", () => {
    const auth = refused({ work_dir: "/w", authenticate_http_readwrite: "true" });
    assert.equal(auth.flag, "http_credentials");
    const executors = refused({ work_dir: "/w", authenticate_http_executors: "true" });
    assert.equal(executors.flag, "jwt_secret_key");
    const ok = parseAgentFlags({
      work_dir: "/w",
      authenticate_http_readwrite: "true",
      authenticate_http_executors: "true",
      executor_secret_key: "k",
      http_credentials: JSON.stringify({ credentials: [{ principal: "p", secret: "s" }] }),
      credential: JSON.stringify({ principal: "agent", secret: "a" }),
    });
    assert.ok(ok.ok, ok.ok ? "" : ok.message);
    assert.equal(ok.flags.security.jwtSecretKey, "k");
    assert.deepEqual(ok.flags.security.credential, { principal: "agent", secret: "a" });
    assert.equal(agentFlagValues(ok.flags).credential, "(inline JSON)");
    const typo = refused({ work_dir: "/w", isolaton: "cgroups/cpu" });
    assert.equal(typo.message, "Failed to load unknown flag 'isolaton'; did you mean --isolation?");
  });
});
