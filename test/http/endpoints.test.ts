import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MESOS_COMPATIBLE_VERSION, TESSERA_VERSION } from "../../src/base/version.ts";
import {
  PROMETHEUS_CONTENT_TYPE,
  registerCommonEndpoints,
  versionInfo,
} from "../../src/http/endpoints.ts";
import { MetricsRegistry } from "../../src/http/metrics.ts";
import { type RunningServer, rawRequest, startServer } from "./raw-http.ts";

describe("common endpoints", () => {
  let running: RunningServer;
  let healthy = true;
  const metrics = new MetricsRegistry();
  const elected = metrics.gauge("master/elected");
  const registrations = metrics.counter("master/slave_registrations");
  metrics.pullGauge("master/uptime_secs", () => 12.5);

  before(async () => {
    running = await startServer(
      (server) =>
        registerCommonEndpoints(server, {
          metrics,
          healthy: () => healthy,
          build: {
            buildTimeMs: Date.UTC(2024, 7, 23, 10, 20, 30),
            buildUser: "builder",
            gitSha: "abc123",
          },
        }),
      { prefix: "/master" },
    );
  });
  after(() => running.close());

  const get = (path: string, headers: Record<string, string> = {}) =>
    rawRequest(running.port, { method: "GET", path, headers });

  test("/version answers Mesos's fields as JSON", async () => {
    const res = await get("/version");
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(res.text), {
      version: MESOS_COMPATIBLE_VERSION,
      build_date: "2024-08-23 10:20:30",
      build_time: Date.UTC(2024, 7, 23, 10, 20, 30) / 1000,
      build_user: "builder",
      git_sha: "abc123",
      tessera_version: TESSERA_VERSION,
    });
    assert.equal((await get("/master/version")).status, 404, "libprocess-level, root only");
  });

  test("versionInfo defaults to this process's load time and user", () => {
    const info = versionInfo();
    assert.equal(info.version, MESOS_COMPATIBLE_VERSION);
    assert.match(info.build_date, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(info.git_sha, undefined);
  });

  test("/health answers 200 with an empty body at both paths, 503 when unhealthy", async () => {
    for (const path of ["/health", "/master/health"]) {
      const res = await get(path);
      assert.equal(res.status, 200);
      assert.equal(res.text, "");
      assert.equal(res.headers["content-length"], "0");
    }
    healthy = false;
    try {
      assert.equal((await get("/health")).status, 503);
    } finally {
      healthy = true;
    }
  });

  test("/metrics/snapshot answers a flat JSON object of metric keys to numbers", async () => {
    elected.set(1);
    registrations.inc();
    registrations.inc(2);
    const res = await get("/metrics/snapshot?timeout=5secs");
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(res.text), {
      "master/elected": 1,
      "master/slave_registrations": 3,
      "master/uptime_secs": 12.5,
    });
  });

  test("/metrics answers Prometheus text with keys as Prometheus names", async () => {
    const res = await get("/metrics");
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], PROMETHEUS_CONTENT_TYPE);
    assert.match(res.text, /^# TYPE master_elected gauge\nmaster_elected 1$/m);
    assert.match(
      res.text,
      /^# TYPE master_slave_registrations counter\nmaster_slave_registrations 3$/m,
    );
    assert.match(res.text, /^master_uptime_secs 12\.5$/m);
  });

  test("endpoints answer GET only", async () => {
    const res = await rawRequest(running.port, {
      method: "POST",
      path: "/metrics/snapshot",
      body: "",
    });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, "GET");
  });
});
