import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MetricsRegistry, prometheusName } from "../../src/http/metrics.ts";

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
});
