// The fetcher's cache on real files: one download per user and URI (also when asked twice at
// once), a failed download is not kept, least recently used entries go past the size limit.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { FetcherCache } from "../../../src/agent/executor/fetcher-cache.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-cache-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function writer(content: string, counter: { n: number }) {
  return async (target: string) => {
    counter.n += 1;
    writeFileSync(target, content);
    return { ok: true as const };
  };
}

const read = async (path: string) => readFileSync(path, "utf8");

test("two concurrent uses of one URI share a single download", async () => {
  const cache = new FetcherCache(1024, mkdtempSync(join(dir, "a-")));
  const counter = { n: 0 };
  const [a, b] = await Promise.all([
    cache.with("u", "http://x/f", writer("one", counter), read),
    cache.with("u", "http://x/f", writer("two", counter), read),
  ]);
  assert.deepEqual(
    [a, b],
    [
      { ok: true, value: "one" },
      { ok: true, value: "one" },
    ],
  );
  assert.equal(counter.n, 1);
  assert.equal(cache.downloads, 1);
});

test("entries are per user, as in Mesos", async () => {
  const cache = new FetcherCache(1024, mkdtempSync(join(dir, "b-")));
  const counter = { n: 0 };
  await cache.with("alice", "http://x/f", writer("a", counter), read);
  const bob = await cache.with("bob", "http://x/f", writer("b", counter), read);
  assert.deepEqual(bob, { ok: true, value: "b" });
  assert.equal(counter.n, 2);
});

test("a failed download is reported and not kept: the next use downloads again", async () => {
  const cache = new FetcherCache(1024, mkdtempSync(join(dir, "c-")));
  const failed = await cache.with(
    "u",
    "http://x/f",
    async () => ({ ok: false as const, message: "HTTP status 404" }),
    read,
  );
  assert.deepEqual(failed, { ok: false, message: "HTTP status 404" });
  const counter = { n: 0 };
  const again = await cache.with("u", "http://x/f", writer("now", counter), read);
  assert.deepEqual(again, { ok: true, value: "now" });
  assert.equal(counter.n, 1);
});

test("past its size the cache evicts the least recently used idle entry", async () => {
  const cacheDir = mkdtempSync(join(dir, "d-"));
  const cache = new FetcherCache(10, cacheDir);
  const counter = { n: 0 };
  let firstPath = "";
  await cache.with("u", "http://x/1", writer("123456", counter), async (p) => {
    firstPath = p;
  });
  await cache.with("u", "http://x/2", writer("abcdef", counter), read);
  assert.equal(existsSync(firstPath), false, "the older entry's file is removed");
  await cache.with("u", "http://x/2", writer("zzzzzz", counter), read);
  assert.equal(counter.n, 2, "the newer entry is still cached");
  await cache.with("u", "http://x/1", writer("123456", counter), read);
  assert.equal(counter.n, 3, "the evicted entry is downloaded again");
});
