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
});
