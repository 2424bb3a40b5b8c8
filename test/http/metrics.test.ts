import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MetricsRegistry, prometheusName, TIMER_SAMPLES } from "../../src/http/metrics.ts";

describe("MetricsRegistry", () => {
  test("Mesos keys become Prometheus names by replacing every other character with _", () => {
    assert.equal(prometheusName("master/elected"), "master_elected");
    assert.equal(
      prometheusName("master/task_lost/source_master/reason_slave_removed"),
      "master_task_lost_source_master_reason_slave_removed",
    );
    assert.equal(
      prometheusName("allocator/mesos/roles/a.b-c/shares/dominant"),
      "allocator_mesos_roles_a_b_c_shares_dominant",
    );
    assert.equal(prometheusName("1st/metric"), "_1st_metric");
  });

  test("the snapshot lists every metric sorted by key, with its current value", () => {
    const metrics = new MetricsRegistry();
    const b = metrics.counter("b/count");
    const a = metrics.gauge("a/level", 7);
    b.inc(5);
    a.set(-2.5);
    assert.deepEqual(Object.entries(metrics.snapshot()), [
      ["a/level", -2.5],
      ["b/count", 5],
    ]);
    assert.equal(b.value, 5);
  });

  test("non-finite values print as Mesos and Prometheus spell them", () => {
    const metrics = new MetricsRegistry();
    metrics.gauge("x/inf", Number.POSITIVE_INFINITY);
    metrics.gauge("x/nan", Number.NaN);
    assert.equal(metrics.snapshotJson(), '{"x/inf":Infinity,"x/nan":NaN}');
    assert.match(metrics.renderPrometheus(), /^x_inf \+Inf$/m);
    assert.match(metrics.renderPrometheus(), /^x_nan NaN$/m);
  });

  test("a removed metric disappears and its key can be registered again", () => {
    const metrics = new MetricsRegistry();
    metrics.counter("master/frameworks/f/subscribed");
    metrics.remove("master/frameworks/f/subscribed");
    assert.deepEqual(metrics.snapshot(), {});
    assert.equal(metrics.renderPrometheus(), "");
    metrics.gauge("master/frameworks/f/subscribed");
    assert.equal(metrics.has("master/frameworks/f/subscribed"), true);
  });

  test("registering a key twice, or two keys with one Prometheus name, is a bug", () => {
    const metrics = new MetricsRegistry();
    metrics.counter("a/b");
    assert.throws(() => metrics.gauge("a/b"), /registered twice/);
    assert.throws(() => metrics.gauge("a_b"), /same Prometheus name/);
  });

  test("a counter cannot go down", () => {
    const metrics = new MetricsRegistry();
    assert.throws(() => metrics.counter("c").inc(-1), /cannot decrease/);
  });
  test("a timer lists nothing before its first sample, then the last value, count, min, max and percentiles", () => {
    const metrics = new MetricsRegistry();
    const timer = metrics.timer("allocator/mesos/allocation_run_ms");
    assert.deepEqual(metrics.snapshot(), {});
    for (let ms = 1; ms <= 100; ms++) timer.record(ms);
    timer.record(7);
    const snap = metrics.snapshot();
    assert.equal(snap["allocator/mesos/allocation_run_ms"], 7);
    assert.equal(snap["allocator/mesos/allocation_run_ms/count"], 101);
    assert.equal(snap["allocator/mesos/allocation_run_ms/min"], 1);
    assert.equal(snap["allocator/mesos/allocation_run_ms/max"], 100);
    assert.equal(snap["allocator/mesos/allocation_run_ms/p50"], 50);
    assert.equal(snap["allocator/mesos/allocation_run_ms/p99"], 99);
    assert.equal(snap["allocator/mesos/allocation_run_ms/p9999"], 100);
    assert.match(metrics.renderPrometheus(), /^allocator_mesos_allocation_run_ms_p90 90$/m);
    assert.ok(metrics.has("allocator/mesos/allocation_run_ms"));
  });

  test("a timer keeps only its latest samples", () => {
    const metrics = new MetricsRegistry();
    const timer = metrics.timer("t_ms");
    for (let i = 0; i < TIMER_SAMPLES; i++) timer.record(1000);
    for (let i = 0; i < TIMER_SAMPLES; i++) timer.record(1);
    const snap = metrics.snapshot();
    assert.equal(snap["t_ms/count"], TIMER_SAMPLES);
    assert.equal(snap["t_ms/max"], 1);
  });
});
