import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zookeeper from "node-zookeeper-client";
import { absorbUnknownZkReplyCodes, unknownZkReplies } from "../../src/zk/unknown-replies.ts";

/** The library's factory, which its type declarations leave out. */
const create = (code: number) =>
  (zookeeper.Exception as unknown as { create(code: number): { getCode(): number } }).create(code);

describe("ZooKeeper replies with an unknown error code", () => {
  it("are taken as CONNECTION_LOSS and counted instead of thrown from the socket's callback", () => {
    absorbUnknownZkReplyCodes();
    const before = unknownZkReplies();
    assert.equal(create(-1355612152).getCode(), zookeeper.Exception.CONNECTION_LOSS);
    assert.equal(unknownZkReplies(), before + 1);
    assert.equal(create(zookeeper.Exception.NO_NODE).getCode(), zookeeper.Exception.NO_NODE);
    assert.equal(unknownZkReplies(), before + 1);
  });
});
