// MasterLeadership: contender events -> start/stop acting, and the view the leader guard reads.
// The contender is scripted (the ZooKeeper one is tested against a real server elsewhere); the
// detector is the real StandaloneDetector, appointed by hand.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type {
  ContenderListener,
  LeaderContender,
  LostReason,
} from "../../../src/master/election/election.ts";
import { MasterLeadership } from "../../../src/master/election/leadership.ts";
import {
  StandaloneContender,
  StandaloneDetector,
} from "../../../src/master/election/standalone.ts";
import { makeMasterInfo } from "../../../src/zk/master-info.ts";

class ScriptedContender implements LeaderContender {
  listener: ContenderListener | undefined;
  withdrawals = 0;
  leading = false;
  contend(listener: ContenderListener): void {
    this.listener = listener;
  }
  async withdraw(): Promise<void> {
    this.withdrawals++;
  }
  emit(event: Parameters<ContenderListener>[0]): void {
    this.listener?.(event);
  }
}

const self = makeMasterInfo({ id: "self", ip: "10.0.0.1", port: 5050 });
const other = makeMasterInfo({ id: "other", ip: "10.0.0.2", port: 5051, hostname: "m2" });

function setup(lead: () => Promise<void> = async () => {}) {
  const contender = new ScriptedContender();
  const detector = new StandaloneDetector();
  const stepDowns: { reason: LostReason | "cannot_lead"; actingWhenCalled: boolean }[] = [];
  let acting = false;
  const leadership = new MasterLeadership({
    self,
    contender,
    detector,
    recovered: () => true,
    hooks: {
      lead: async () => {
        await lead();
        acting = true;
      },
      stepDown: (reason) => {
        stepDowns.push({ reason, actingWhenCalled: acting });
        acting = false;
      },
    },
  });
  leadership.start();
  return { contender, detector, leadership, stepDowns, isActing: () => acting };
}

describe("master leadership", () => {
  test("a standalone master is elected at once and leads once its reign is built", async () => {
    const leadership = new MasterLeadership({
      self,
      contender: new StandaloneContender(),
      recovered: () => true,
      hooks: { lead: async () => {}, stepDown: () => assert.fail("no step down") },
    });
    leadership.start();
    assert.deepEqual(leadership.view(), { kind: "leading", recovered: false });
    await leadership.acting;
    assert.equal(leadership.phase, "leading");
    assert.deepEqual(leadership.view(), { kind: "leading", recovered: true });
    assert.deepEqual(
      leadership.records.map((r) => r.phase),
      ["standby", "elected", "leading"],
    );
  });

  test("a standby follows the detected leader, and knows none while it sees itself or nobody", () => {
    const { detector, leadership } = setup();
    assert.deepEqual(leadership.view(), { kind: "no_leader" });
    detector.appoint(other);
    assert.deepEqual(leadership.view(), {
      kind: "following",
      leader: { hostname: "m2", port: 5051 },
    });
    // The detector names this master before its contender says so: not a redirect to itself.
    detector.appoint(self);
    assert.deepEqual(leadership.view(), { kind: "no_leader" });
    detector.appoint(undefined);
    assert.deepEqual(leadership.view(), { kind: "no_leader" });
  });

  test("losing leadership stops acting before the listener returns, and withdraws the candidacy", async () => {
    const { contender, leadership, stepDowns, isActing } = setup();
    contender.emit({ type: "elected", candidacy: "json.info_0000000001" });
    await leadership.acting;
    assert.ok(isActing());
    contender.emit({ type: "lost", reason: "connection_lost", message: "no answer for 1333 ms" });
    assert.equal(isActing(), false);
    assert.deepEqual(stepDowns, [{ reason: "connection_lost", actingWhenCalled: true }]);
    assert.deepEqual(leadership.view(), { kind: "no_leader" });
    assert.equal(leadership.phase, "stepped_down");
    assert.equal(contender.withdrawals, 1);
    // A later election (the contender re-contending) is not taken up.
    contender.emit({ type: "elected", candidacy: "json.info_0000000007" });
    assert.equal(leadership.phase, "stepped_down");
  });

  test("leadership lost while recovering is never taken up", async () => {
    let finishRecovery: () => void = () => {};
    const recovery = new Promise<void>((resolve) => {
      finishRecovery = resolve;
    });
    const { contender, leadership, stepDowns } = setup(() => recovery);
    contender.emit({ type: "elected", candidacy: "json.info_0000000001" });
    assert.deepEqual(leadership.view(), { kind: "leading", recovered: false });
    contender.emit({ type: "lost", reason: "session_expired", message: "expired" });
    finishRecovery();
    await assert.rejects(leadership.acting, /session_expired/);
    assert.equal(leadership.phase, "stepped_down");
    assert.deepEqual(
      stepDowns.map((s) => s.reason),
      ["session_expired"],
    );
  });

  test("a master that cannot recover its registry steps down with the reason", async () => {
    const { contender, leadership, stepDowns } = setup(async () => {
      throw new Error("registry unreadable");
    });
    contender.emit({ type: "elected", candidacy: "json.info_0000000001" });
    await assert.rejects(leadership.acting, /^Error: registry unreadable$/);
    assert.deepEqual(
      stepDowns.map((s) => s.reason),
      ["cannot_lead"],
    );
  });
});
