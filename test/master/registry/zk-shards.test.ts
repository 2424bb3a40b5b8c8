import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  AGENT_SHARDS,
  agentShard,
  batchesBySize,
  CHUNK_BYTES_MAX,
  chunkName,
  chunkVersion,
  decodeHeader,
  decodeShard,
  encodeShard,
} from "../../../src/master/registry/zk-shards.ts";

describe("zk registry shards", () => {
  test("a shard's rows survive encoding into chunks, each within the chunk limit", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (dict) => {
        const rows = new Map(Object.entries(dict));
        const chunks = encodeShard(rows);
        assert.ok(chunks.every((c) => c.length <= CHUNK_BYTES_MAX));
        if (rows.size === 0) return assert.equal(chunks.length, 0);
        assert.deepEqual(decodeShard(chunks), new Map(JSON.parse(JSON.stringify([...rows]))));
      }),
    );
  });

  test("a big shard is cut into several chunks and rejoined, multi-byte characters included", () => {
    const rows = new Map([["k", "é".repeat(CHUNK_BYTES_MAX)]]);
    const chunks = encodeShard(rows);
    assert.ok(chunks.length >= 2);
    assert.deepEqual(decodeShard(chunks), rows);
  });

  test("agents spread over every shard", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20 * AGENT_SHARDS; i++) seen.add(agentShard(`agent-S${i}`));
    assert.equal(seen.size, AGENT_SHARDS);
    assert.equal(agentShard("a1"), agentShard("a1"));
  });

  test("chunk names carry the version they were written for", () => {
    assert.equal(chunkVersion(chunkName(12, "abcd", "agents-3", 0)), 12);
    assert.equal(chunkVersion("stray"), undefined);
  });

  test("batches never exceed the byte bound unless one item alone does", () => {
    assert.deepEqual(
      batchesBySize([3, 3, 3, 9, 1], (n) => n, 6),
      [[3, 3], [3], [9], [1]],
    );
  });

  test("malformed headers and shards are described, not thrown", () => {
    assert.equal(typeof decodeHeader(Buffer.from("{")), "string");
    assert.equal(typeof decodeHeader(Buffer.from('{"format":1,"shards":{"a":[1]}}')), "string");
    assert.equal(typeof decodeShard([Buffer.from('[["a"]]')]), "string");
  });
});
