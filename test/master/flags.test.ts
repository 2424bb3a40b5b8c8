import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatDuration, parseDurationMs } from "../../src/base/flag-parsing.ts";
import { flagValues, parseMasterFlags } from "../../src/master/flags.ts";
import { startTestMaster } from "./http/helpers.ts";

describe("master flags", () => {
  it("defaults match Mesos's (port 5050, 1secs allocation, 15secs x 5 pings, 10mins re-register)", () => {
    const r = parseMasterFlags({ registry: "in_memory" });
    assert.ok(r.ok);
    assert.equal(r.flags.port, 5050);
    assert.equal(r.flags.core.allocationIntervalMs, 1000);
    assert.equal(r.flags.core.agentPingTimeoutMs, 15_000);
    assert.equal(r.flags.core.maxAgentPingTimeouts, 5);
    assert.equal(r.flags.core.agentReregisterTimeoutMs, 600_000);
    assert.equal(r.flags.core.offerTimeoutMs, undefined);
    assert.equal(r.flags.logLevel, "info");
  });

  it("durations take Mesos's units", () => {
    assert.equal(parseDurationMs("10secs"), 10_000);
    assert.equal(parseDurationMs("1.5mins"), 90_000);
    assert.equal(parseDurationMs("250ms"), 250);
    assert.equal(parseDurationMs("2weeks"), 2 * 604_800_000);
    assert.equal(parseDurationMs("5000us"), 5);
    assert.equal(parseDurationMs("10"), undefined);
    assert.equal(parseDurationMs("10s"), undefined);
  });

  it("a duration prints in the largest whole unit and parses back", () => {
    assert.equal(formatDuration(600_000), "10mins");
    assert.equal(formatDuration(1500), "1500ms");
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 9 }), (ms) => {
        assert.equal(parseDurationMs(formatDuration(ms)), ms);
      }),
    );
  });

  it("the command line wins over TESSERA_* variables, which win over defaults", () => {
    const env = { TESSERA_PORT: "6060", TESSERA_REGISTRY: "in_memory", TESSERA_QUIET: "true" };
    const fromEnv = parseMasterFlags({}, env);
    assert.ok(fromEnv.ok);
    assert.equal(fromEnv.flags.port, 6060);
    assert.equal(fromEnv.flags.quiet, true);
    const fromArgs = parseMasterFlags({ port: "7070" }, env);
    assert.ok(fromArgs.ok);
    assert.equal(fromArgs.flags.port, 7070);
  });

  it("validation errors name the flag", () => {
    const cases: [Record<string, string>, string][] = [
      [{ registry: "in_memory", port: "99999" }, "port"],
      [{ registry: "in_memory", allocation_interval: "soon" }, "allocation_interval"],
      [{ registry: "in_memory", agent_reregister_timeout: "5mins" }, "agent_reregister_timeout"],
      [{ registry: "zookeeper" }, "registry"],
      [{}, "work_dir"],
      [{ registry: "in_memory", weights: "web=-1" }, "weights"],
      [{ registry: "in_memory", log_level: "LOUD" }, "log_level"],
      [{ registry: "in_memory", logging_level: "LOUD" }, "logging_level"],
      [{ registry: "in_memory", bogus: "1" }, "bogus"],
    ];
    for (const [given, flag] of cases) {
      const r = parseMasterFlags(given);
      assert.ok(!r.ok, JSON.stringify(given));
      assert.equal(r.flag, flag);
      assert.match(r.message, new RegExp(`'${flag}'`));
    }
  });

  it("--advertise_ip and --advertise_port are parsed; a bad port is refused naming the flag", () => {
    const r = parseMasterFlags({
      registry: "in_memory",
      advertise_ip: "203.0.113.5",
      advertise_port: "15050",
    });
    assert.ok(r.ok);
    assert.equal(r.flags.advertiseIp, "203.0.113.5");
    assert.equal(r.flags.advertisePort, 15050);
    const bad = parseMasterFlags({ registry: "in_memory", advertise_port: "0" });
    assert.ok(!bad.ok);
    assert.equal(bad.flag, "advertise_port");
  });

  it("the master tells others the advertised address (MasterInfo, /master/state) and listens where asked", async () => {
    const master = await startTestMaster({
      hostname: "",
      advertise_ip: "127.0.0.1",
      advertise_port: "15077",
    });
    try {
      assert.deepEqual(master.masterInfo.address, {
        hostname: "127.0.0.1",
        ip: "127.0.0.1",
        port: 15077,
      });
      assert.notEqual(master.port, 15077);
      const state = (await (await fetch(`${master.url}/master/state`)).json()) as {
        pid: string;
      };
      assert.equal(state.pid, "master@127.0.0.1:15077");
    } finally {
      await master.close();
    }
  });

  it("--logging_level (Mesos's name) sets the level, over --log_level", () => {
    const r = parseMasterFlags({
      registry: "in_memory",
      logging_level: "ERROR",
      log_level: "INFO",
    });
    assert.ok(r.ok);
    assert.equal(r.flags.logLevel, "error");
  });

  it("--roles, --weights and --offer_timeout are parsed and reported back as strings", () => {
    const r = parseMasterFlags({
      registry: "in_memory",
      roles: "web,batch",
      weights: "web=2,batch=0.5",
      offer_timeout: "30secs",
    });
    assert.ok(r.ok);
    assert.deepEqual(r.flags.core.rolesWhitelist, ["web", "batch"]);
    assert.deepEqual(
      [...r.flags.weights],
      [
        ["web", 2],
        ["batch", 0.5],
      ],
    );
    const values = flagValues(r.flags);
    assert.equal(values.offer_timeout, "30secs");
    assert.equal(values.weights, "web=2,batch=0.5");
    assert.equal(values.port, "5050");
  });
  it("--silent_offer_timeout defaults to 10secs, takes a duration, and 0secs turns it off", () => {
    const byDefault = parseMasterFlags({ registry: "in_memory" });
    assert.ok(byDefault.ok);
    assert.equal(byDefault.flags.core.silentOfferTimeoutMs, 10_000);
    assert.equal(flagValues(byDefault.flags).silent_offer_timeout, "10secs");
    const set = parseMasterFlags({ registry: "in_memory", silent_offer_timeout: "2mins" });
    assert.ok(set.ok);
    assert.equal(set.flags.core.silentOfferTimeoutMs, 120_000);
    const off = parseMasterFlags({ registry: "in_memory", silent_offer_timeout: "0secs" });
    assert.ok(off.ok);
    assert.equal(off.flags.core.silentOfferTimeoutMs, undefined);
  });
  it("--zk makes the master contend there, keeps the registry in ZooKeeper and reports both", () => {
    const r = parseMasterFlags({ zk: "zk://u:p@10.0.0.1:2181,10.0.0.2/tessera" });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.flags.registry, "zk");
    assert.deepEqual(r.flags.zk, {
      servers: [
        { host: "10.0.0.1", port: 2181 },
        { host: "10.0.0.2", port: 2181 },
      ],
      path: "/tessera",
      digest: "u:p",
    });
    assert.equal(r.flags.zkSessionTimeoutMs, 2_000);
    const values = flagValues(r.flags);
    // Reported without the credentials.
    assert.equal(values.zk, "zk://10.0.0.1:2181,10.0.0.2:2181/tessera");
    assert.equal(values.zk_session_timeout, "2secs");
    assert.equal(values.registry, "zk");
  });

  it("--zk keeps an explicitly chosen registry, and standalone masters keep sqlite", () => {
    const withZk = parseMasterFlags({ zk: "zk://z:2181/t", registry: "in_memory" });
    assert.ok(withZk.ok);
    assert.equal(withZk.flags.registry, "in_memory");
    const standalone = parseMasterFlags({ work_dir: "/var/lib/tessera" });
    assert.ok(standalone.ok);
    assert.equal(standalone.flags.registry, "sqlite");
    assert.equal(standalone.flags.zk, undefined);
    assert.equal(flagValues(standalone.flags).zk, undefined);
  });

  it("a bad --zk, --zk_session_timeout or --registry=zk without --zk is refused, naming the flag", () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ zk: "http://z:2181/t" }, "zk", /zk:\/\//],
      [{ zk: "zk://z:99999/t" }, "zk", /out of range/],
      [{ zk: "zk://z:2181/t/" }, "zk", /must not end with/],
      [{ zk: "file:///nonexistent/tessera-zk-url" }, "zk", /cannot read/],
      [{ zk: "zk://z:2181/t", zk_session_timeout: "soon" }, "zk_session_timeout", /duration/],
      [{ registry: "zk" }, "registry", /needs --zk/],
    ];
    for (const [given, flag, message] of cases) {
      const r = parseMasterFlags(given);
      assert.ok(!r.ok, JSON.stringify(given));
      assert.equal(r.flag, flag);
      assert.match(r.message, message);
    }
  });

  it("Mesos's MESOS_* variables set flags too; TESSERA_* and the command line win over them", () => {
    const env = { MESOS_PORT: "6060", MESOS_REGISTRY: "in_memory", MESOS_CLUSTER: "prod" };
    const fromMesos = parseMasterFlags({}, env);
    assert.ok(fromMesos.ok);
    assert.equal(fromMesos.flags.port, 6060);
    assert.equal(fromMesos.flags.cluster, "prod");
    const both = parseMasterFlags({}, { ...env, TESSERA_PORT: "7070" });
    assert.ok(both.ok);
    assert.equal(both.flags.port, 7070);
    const args = parseMasterFlags({ port: "8080" }, { ...env, TESSERA_PORT: "7070" });
    assert.ok(args.ok);
    assert.equal(args.flags.port, 8080);
  });

  it("Mesos's --slave_* names (and MESOS_SLAVE_* variables) set the --agent_* flags", () => {
    const r = parseMasterFlags(
      { registry: "in_memory", slave_ping_timeout: "20secs", max_slave_ping_timeouts: "3" },
      { MESOS_SLAVE_REREGISTER_TIMEOUT: "20mins" },
    );
    assert.ok(r.ok, r.ok ? "" : r.message);
    assert.equal(r.flags.core.agentPingTimeoutMs, 20_000);
    assert.equal(r.flags.core.maxAgentPingTimeouts, 3);
    assert.equal(r.flags.core.agentReregisterTimeoutMs, 1_200_000);
    assert.deepEqual(r.withoutEffect, []);
    const twice = parseMasterFlags({
      registry: "in_memory",
      slave_ping_timeout: "20secs",
      agent_ping_timeout: "30secs",
    });
    assert.ok(!twice.ok);
    assert.equal(twice.flag, "agent_ping_timeout");
    assert.match(twice.message, /both as --agent_ping_timeout and --slave_ping_timeout/);
  });

  it("--registry=replicated_log runs the zk registry with --zk and sqlite without, saying so", () => {
    const ha = parseMasterFlags({
      registry: "replicated_log",
      zk: "zk://z:2181/mesos",
      quorum: "2",
    });
    assert.ok(ha.ok, ha.ok ? "" : ha.message);
    assert.equal(ha.flags.registry, "zk");
    assert.deepEqual(
      ha.withoutEffect.map((f) => [f.flag, f.value]),
      [
        ["quorum", "2"],
        ["registry", "replicated_log"],
      ],
    );
    assert.match(ha.withoutEffect[1]?.reason ?? "", /zk registry/);
    assert.match(ha.withoutEffect[0]?.reason ?? "", /no effect without the replicated log/);
    const single = parseMasterFlags({ registry: "replicated_log", work_dir: "/var/lib/mesos" });
    assert.ok(single.ok);
    assert.equal(single.flags.registry, "sqlite");
    assert.match(single.withoutEffect[0]?.reason ?? "", /sqlite registry under --work_dir/);
    // As in Mesos, the replicated log needs --work_dir when it is the local one.
    const noDir = parseMasterFlags({ registry: "replicated_log" });
    assert.ok(!noDir.ok);
    assert.equal(noDir.flag, "work_dir");
  });

  it("every flag of Mesos's master (reference §5.9) is accepted; --log_dir and --cluster have effect", () => {
    const r = parseMasterFlags({
      registry: "in_memory",
      agent_removal_rate_limit: "1/10mins",
      recovery_agent_removal_limit: "100%",
      registry_fetch_timeout: "1mins",
      registry_store_timeout: "20secs",
      registry_gc_interval: "15mins",
      registry_max_agent_age: "2weeks",
      registry_max_agent_count: "102400",
      min_allocatable_resources: "cpus:0.01|mem:32",
      role_sorter: "drf",
      user_sorter: undefined,
      framework_sorter: "drf",
      filter_gpu_resources: true,
      allocator_agent_recovery_factor: "0.80",
      allocator_recovery_timeout: "10mins",
      fair_sharing_excluded_resource_names: "gpus",
      publish_per_framework_metrics: "true",
      hostname_lookup: "true",
      authenticate_frameworks: "false",
      authenticate_agents: "false",
      authenticate_http_readonly: false,
      authenticate_http_readwrite: "false",
      authenticate_http_frameworks: "false",
      offer_constraints_re2_max_mem: "4096",
      offer_constraints_re2_max_program_size: "100",
      webui_dir: "/usr/share/mesos/webui",
      log_dir: "/var/log/mesos",
      cluster: "prod",
    });
    assert.ok(r.ok, r.ok ? "" : r.message);
    assert.equal(r.flags.logDir, "/var/log/mesos");
    assert.equal(flagValues(r.flags).log_dir, "/var/log/mesos");
    assert.equal(flagValues(r.flags).cluster, "prod");
    const without = r.withoutEffect.map((f) => f.flag);
    assert.ok(without.includes("webui_dir") && without.includes("role_sorter"), String(without));
    assert.ok(!without.includes("log_dir") && !without.includes("cluster"));
    // An authentication flag false is what runs; the start-up line does not name it.
    assert.ok(!without.includes("authenticate_frameworks"));
    for (const f of r.withoutEffect) assert.ok(f.reason.length > 10, f.flag);
  });

  it("asking for authentication without --credentials is refused: the master must not run open", () => {
    for (const flag of [
      "authenticate_frameworks",
      "authenticate",
      "authenticate_agents",
      "authenticate_http",
    ]) {
      const r = parseMasterFlags({ registry: "in_memory", [flag]: "true" });
      assert.ok(!r.ok, flag);
      assert.equal(r.flag, "credentials");
    }
  });

  it("authentication, ACL and rate-limit flags are read with Mesos's formats; bad ones are refused naming the flag", () => {
    const credentials = JSON.stringify({ credentials: [{ principal: "ops", secret: "s" }] });
    const r = parseMasterFlags({
      registry: "in_memory",
      authenticate: "true",
      authenticate_http_readwrite: "true",
      credentials,
      acls: JSON.stringify({ permissive: false, teardown_frameworks: [] }),
      rate_limits: JSON.stringify({ limits: [{ principal: "ops", qps: 5 }] }),
    });
    assert.ok(r.ok, r.ok ? "" : r.message);
    assert.equal(r.flags.security.authenticateHttpFrameworks, true);
    assert.equal(r.flags.security.credentials?.get("ops"), "s");
    assert.equal(r.flags.security.acls?.permissive, false);
    assert.equal(r.flags.security.rateLimits?.limits.get("ops")?.qps, 5);
    // The secret never reaches /flags.
    assert.equal(flagValues(r.flags).credentials, "(inline JSON)");
    for (const [flag, value] of [
      ["acls", '{"run_tasks":[{"principals":{"values":["a"]},"roles":{"type":"ANY"}}]}'],
      ["acls", '{"view_flags":[{"principals":{"type":"ANY"},"flags":{"values":["x"]}}]}'],
      ["credentials", "ops secret"],
      ["rate_limits", '{"limits":[{"principal":"a","qps":-1}]}'],
      ["authenticate_http_frameworks", "true"],
    ] as const) {
      const bad = parseMasterFlags({ registry: "in_memory", credentials, [flag]: value });
      assert.ok(!bad.ok, `${flag}=${value}`);
      assert.ok(bad.flag === flag || bad.flag === "http_framework_authenticators", bad.flag);
    }
  });

  it("an unknown flag is refused with the nearest name, when one is near", () => {
    const typo = parseMasterFlags({ registry: "in_memory", quorom: "1" });
    assert.ok(!typo.ok);
    assert.equal(typo.message, "Failed to load unknown flag 'quorom'; did you mean --quorum?");
    const alias = parseMasterFlags({ registry: "in_memory", slave_ping_timeot: "1secs" });
    assert.ok(!alias.ok);
    assert.match(alias.message, /did you mean --slave_ping_timeout\?/);
    const far = parseMasterFlags({ registry: "in_memory", frobnicate: "1" });
    assert.ok(!far.ok);
    assert.equal(far.message, "Failed to load unknown flag 'frobnicate'");
  });
});
