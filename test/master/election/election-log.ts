// Test helper: one ordered log of every contender's and detector's events, so tests can assert
// what happened before what, and wait (bounded) for an event instead of sleeping; and the
// contenders and URLs the ZooKeeper election tests make.
import assert from "node:assert/strict";
import {
  type ContenderEvent,
  type LeaderContender,
  ZkContender,
} from "../../../src/master/election/index.ts";
import type { MasterInfo } from "../../../src/wire/framework.ts";
import { makeMasterInfo } from "../../../src/zk/master-info.ts";
import { parseZkUrl, type ZkUrl } from "../../../src/zk/url.ts";
import { Waiters } from "../../support/eventually.ts";

export type LogEntry =
  | { who: string; kind: "contender"; event: ContenderEvent }
  | { who: string; kind: "detector"; leader: string | undefined };

/** Bound on waiting for an election event; generous for a loaded CI machine. */
export const EVENT_TIMEOUT_MS = 30_000;

export class ElectionLog {
  readonly entries: LogEntry[] = [];
  readonly #waiters = new Waiters();

  add(entry: LogEntry): void {
    this.entries.push(entry);
    this.#waiters.wake();
  }

  contend(who: string, contender: LeaderContender): void {
    contender.contend((event) => this.add({ who, kind: "contender", event }));
  }

  detector(who: string): (leader: MasterInfo | undefined) => void {
    return (leader) => this.add({ who, kind: "detector", leader: leader?.id });
  }

  /** `leader` contends first as m1 and is elected; then `standby` contends as m2 and stands by. */
  async leaderThenStandby(leader: LeaderContender, standby: LeaderContender): Promise<void> {
    this.contend("m1", leader);
    await this.waitFor("m1 elected", isEvent("m1", "elected"));
    this.contend("m2", standby);
    await this.waitFor("m2 standby", isEvent("m2", "standby"));
  }

  /** Index of the first entry at or after `from` matching `match`, or -1. */
  indexOf(match: (entry: LogEntry) => boolean, from = 0): number {
    for (let i = from; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry !== undefined && match(entry)) return i;
    }
    return -1;
  }

  /** Waits until an entry at or after `from` matches; resolves with its index. */
  async waitFor(
    what: string,
    match: (entry: LogEntry) => boolean,
    from = 0,
    timeoutMs = EVENT_TIMEOUT_MS,
  ): Promise<number> {
    const found = await this.#waiters.until(
      what,
      () => {
        const index = this.indexOf(match, from);
        return index >= 0 ? { index } : undefined;
      },
      { timeoutMs, detail: () => `log: ${JSON.stringify(this.entries)}` },
    );
    return found.index;
  }
}

export const isEvent =
  (who: string, type: ContenderEvent["type"]) =>
  (entry: LogEntry): boolean =>
    entry.kind === "contender" && entry.who === who && entry.event.type === type;

export const detected =
  (who: string, leader: string | undefined) =>
  (entry: LogEntry): boolean =>
    entry.kind === "detector" && entry.who === who && entry.leader === leader;

export function zkUrl(text: string): ZkUrl {
  const parsed = parseZkUrl(text);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.url;
}

/** Master `n` of a test election: id master-n at 127.0.0.n:5050. */
export function testMasterInfo(n: number) {
  return makeMasterInfo({ id: `master-${n}`, ip: `127.0.0.${n}`, port: 5050, version: "1.11.0" });
}

export function testContender(
  zk: ZkUrl,
  n: number,
  sessionTimeoutMs: number,
  recontend = true,
): ZkContender {
  return new ZkContender({ url: zk, masterInfo: testMasterInfo(n), sessionTimeoutMs, recontend });
}
