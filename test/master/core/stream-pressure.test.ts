// Back-pressure on scheduler streams (issue 22, fault 6): a framework whose stream's consumer
// stopped reading gets no new offers, and loses the ones it holds after a bound.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MasterFlags } from "../../../src/master/core/types.ts";
import { Harness } from "./harness.ts";

/** The silent-framework bound is off unless a test is about it. */
function setup(flags: Partial<MasterFlags> = { silentOfferTimeoutMs: undefined }) {
  const h = new Harness({ flags });
  h.addAgent("a1", "cpus:4;mem:1024");
  const silent = h.subscribe();
  h.allocate();
  assert.equal(h.offers(silent.streamId).length, 1, "the first framework holds the agent");
  const reading = h.subscribe();
  return { h, silent, reading };
}

describe("scheduler stream back-pressure", () => {
  it("a congested framework's offers are rescinded after congestedOfferTimeoutMs and go to one that reads", () => {
    const { h, silent, reading } = setup();
    h.step({ kind: "scheduler_stream_pressure", streamId: silent.streamId, congested: true });
    assert.equal(h.allocator.frameworks.get(silent.frameworkId)?.active, false, "no new offers");
    h.advance(4_000);
    assert.equal(h.offers(reading.streamId).length, 0, "not before the bound");
    h.advance(1_000);
    const rescinds = h.frameworkEvents(silent.streamId).filter((e) => e.type === "RESCIND");
    assert.equal(rescinds.length, 1);
    h.allocate();
    assert.equal(h.offers(reading.streamId).length, 1, "the reading framework gets the agent");
    assert.equal(h.offers(silent.streamId).length, 1, "and the silent one nothing new");
  });

  it("a stream that drains before the bound keeps its offers and gets offers again", () => {
    const { h, silent } = setup();
    h.step({ kind: "scheduler_stream_pressure", streamId: silent.streamId, congested: true });
    h.advance(2_000);
    h.step({ kind: "scheduler_stream_pressure", streamId: silent.streamId, congested: false });
    h.advance(10_000);
    assert.equal(h.frameworkEvents(silent.streamId).filter((e) => e.type === "RESCIND").length, 0);
    assert.equal(h.allocator.frameworks.get(silent.frameworkId)?.active, true);
    assert.equal(h.master.snapshot(h.nowMs).offers.length, 1);
  });

  it("a report for a stream that is no longer the framework's changes nothing", () => {
    const { h, silent } = setup();
    h.step({ kind: "scheduler_stream_pressure", streamId: "gone", congested: true });
    h.advance(10_000);
    assert.equal(h.frameworkEvents(silent.streamId).filter((e) => e.type === "RESCIND").length, 0);
  });

  it("without --offer_timeout, an offer is rescinded after silentOfferTimeoutMs if its framework made no call since", () => {
    const { h, silent, reading } = setup({});
    h.advance(9_000);
    assert.equal(h.frameworkEvents(silent.streamId).filter((e) => e.type === "RESCIND").length, 0);
    h.advance(1_000);
    assert.equal(h.frameworkEvents(silent.streamId).filter((e) => e.type === "RESCIND").length, 1);
    h.allocate();
    assert.equal(h.offers(reading.streamId).length + h.offers(silent.streamId).length, 2);
  });

  it("a framework that makes calls keeps the offers it holds, as in Mesos", () => {
    const { h, silent } = setup({});
    h.advance(5_000);
    h.call(silent.streamId, silent.frameworkId, { type: "REVIVE" });
    h.advance(60_000);
    assert.equal(h.frameworkEvents(silent.streamId).filter((e) => e.type === "RESCIND").length, 0);
    assert.equal(h.master.snapshot(h.nowMs).offers.length, 1);
  });
});
