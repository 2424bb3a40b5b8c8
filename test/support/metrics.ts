// Metric assertions shared by the master's and agent's tests: a snapshot (Mesos's
// /metrics/snapshot keys) holds the expected value under every expected key.
import assert from "node:assert/strict";

export function assertMetrics(
  snapshot: Readonly<Record<string, number | undefined>>,
  expected: Readonly<Record<string, number>>,
): void {
  for (const [key, value] of Object.entries(expected)) assert.equal(snapshot[key], value, key);
}
