// Port slots of the real clusters (port-slots.ts): two clusters of parallel test processes never
// offer the same host ports, whatever their pids.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { claimPortSlot, SLOT_BASE_PORT, SLOT_COUNT, SLOT_PORTS } from "./port-slots.ts";

test("two claims from the same start (pids equal modulo the slot count) get disjoint slots, below 31000", async () => {
  const start = 7;
  const a = await claimPortSlot(start);
  const b = await claimPortSlot(start + SLOT_COUNT);
  try {
    assert.notEqual(a.base, b.base);
    for (const s of [a, b]) {
      assert.equal((s.base - SLOT_BASE_PORT) % SLOT_PORTS, 0);
      assert.equal(s.lockPort, s.base + SLOT_PORTS - 1);
      assert.ok(s.lockPort < 31_000, "clear of the Mesos default port range");
    }
  } finally {
    await a.release();
    await b.release();
  }
});

test("a released slot's lock port is free again; a port held by another program is skipped", async () => {
  const a = await claimPortSlot(11);
  await a.release();
  // Something else takes that slot's lock port: the next claim from there moves on.
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(a.lockPort, "127.0.0.1", resolve));
  try {
    const b = await claimPortSlot(11);
    assert.notEqual(b.base, a.base);
    await b.release();
  } finally {
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
  }
});
