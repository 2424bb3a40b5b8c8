import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  encodeRecord,
  RECORDIO_MAX_RECORD_BYTES,
  RecordDecoder,
  RecordIoStreamError,
  readRecords,
  readTextRecords,
} from "../../src/wire/recordio.ts";

const utf8 = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Splits bytes at the given cut points (any values; they are clamped and sorted). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  return out;
}

function decodeAll(chunks: readonly Uint8Array[], maxRecordBytes?: number) {
  const decoder = new RecordDecoder(maxRecordBytes === undefined ? {} : { maxRecordBytes });
  const records: string[] = [];
  for (const chunk of chunks) {
    const r = decoder.push(chunk);
    records.push(...r.records.map(text));
    if (r.error) return { records, error: r.error };
  }
  return { records, error: decoder.end() };
}

async function* fromChunks<T>(chunks: readonly T[]): AsyncGenerator<T> {
  for (const c of chunks) yield c;
}

test("a HEARTBEAT event is framed exactly as Mesos frames it", () => {
  const framed = encodeRecord('{"type":"HEARTBEAT"}');
  assert.equal(text(framed), '20\n{"type":"HEARTBEAT"}');
  const decoded = decodeAll([utf8.encode('20\n{"type":"HEARTBEAT"}')]);
  assert.deepEqual(decoded, { records: ['{"type":"HEARTBEAT"}'], error: undefined });
});

test("the length counts UTF-8 bytes, not characters", () => {
  assert.equal(text(encodeRecord("é€😀")), "9\né€😀");
  assert.equal(text(encodeRecord(new Uint8Array([1, 2, 3])).subarray(0, 2)), "3\n");
});

test("encoding an empty record is refused as a caller bug", () => {
  assert.throws(() => encodeRecord(""), /empty record/);
});

test("records split inside the length digits and inside multi-byte characters decode whole", () => {
  const bytes = concat([encodeRecord("x".repeat(12)), encodeRecord("ü€😀")]);
  // Every single-byte split and the byte-by-byte feed.
  for (let cut = 0; cut <= bytes.length; cut += 1) {
    assert.deepEqual(decodeAll(split(bytes, [cut])).records, ["x".repeat(12), "ü€😀"]);
  }
  const oneByOne = [...bytes].map((b) => new Uint8Array([b]));
  assert.deepEqual(decodeAll(oneByOne).records, ["x".repeat(12), "ü€😀"]);
});

test("property: any payloads under any chunking decode to the same payloads", () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (payloads, cuts) => {
        const bytes = concat(payloads.map((p) => encodeRecord(p)));
        const { records, error } = decodeAll(split(bytes, cuts));
        assert.equal(error, undefined);
        assert.deepEqual(records, payloads);
      },
    ),
  );
});

test("property: binary payloads round-trip byte for byte", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (payloads, cuts) => {
        const decoder = new RecordDecoder();
        const out: Uint8Array[] = [];
        for (const chunk of split(concat(payloads.map((p) => encodeRecord(p))), cuts)) {
          const r = decoder.push(chunk);
          assert.equal(r.error, undefined);
          out.push(...r.records);
        }
        assert.equal(decoder.end(), undefined);
        assert.deepEqual(
          out.map((b) => [...b]),
          payloads.map((b) => [...b]),
        );
      },
    ),
  );
});

test("malformed lengths are rejected with a clear message", () => {
  const cases: [string, RegExp][] = [
    ["abc\n{}", /Failed to decode record length 'a'/],
    ["\n{}", /Failed to decode record length ''/],
    [" 2\n{}", /Failed to decode record length ' '/],
    ["-2\n{}", /Failed to decode record length '-'/],
    ["2x\n{}", /Failed to decode record length '2x'/],
    ["2\r\n{}", /Failed to decode record length '2\\xd'/],
    [`${"0".repeat(21)}1\n{}`, /more than 20 digits/],
  ];
  for (const [input, message] of cases) {
    const { records, error } = decodeAll([utf8.encode(input)]);
    assert.deepEqual(records, [], input);
    assert.equal(error?.code, "RECORDIO_MALFORMED_LENGTH", input);
    assert.match(error?.message ?? "", message);
  }
});

test("a zero length is rejected", () => {
  const { error } = decodeAll([utf8.encode("0\n2\n{}")]);
  assert.deepEqual(error, {
    code: "RECORDIO_ZERO_LENGTH",
    message: "Record length must not be zero",
  });
});

test("a length above the limit is rejected before its payload is buffered", () => {
  const { error } = decodeAll([utf8.encode("11\nhello world")], 10);
  assert.equal(error?.code, "RECORDIO_RECORD_TOO_LARGE");
  assert.equal(error?.message, "Record length '11...' exceeds the limit of 10 bytes");
  // The default limit is 16 MiB; one more byte is refused while still reading digits.
  const over = decodeAll([utf8.encode(`${RECORDIO_MAX_RECORD_BYTES + 1}`)]);
  assert.equal(over.error?.code, "RECORDIO_RECORD_TOO_LARGE");
  // A length exactly at the limit is fine.
  assert.deepEqual(decodeAll([utf8.encode("10\nhelloworld")], 10).records, ["helloworld"]);
});

test("records before a broken one are still delivered, and the decoder stays failed", () => {
  const decoder = new RecordDecoder();
  const first = decoder.push(utf8.encode('2\n{}x\n{"a":1}'));
  assert.deepEqual(first.records.map(text), ["{}"]);
  assert.equal(first.error?.code, "RECORDIO_MALFORMED_LENGTH");
  const later = decoder.push(encodeRecord("{}"));
  assert.deepEqual(later.records, []);
  assert.equal(later.error, first.error);
  assert.equal(decoder.end(), first.error);
  assert.equal(decoder.error, first.error);
});

test("a stream that ends inside a record or a length is reported as truncated", () => {
  assert.equal(decodeAll([utf8.encode("5\nabc")]).error?.code, "RECORDIO_TRUNCATED");
  assert.match(decodeAll([utf8.encode("5\nabc")]).error?.message ?? "", /got 3 of 5 bytes/);
  assert.equal(decodeAll([utf8.encode("12")]).error?.code, "RECORDIO_TRUNCATED");
  assert.equal(decodeAll([]).error, undefined);
});

test("the async reader yields records from any async iterable of chunks", async () => {
  const bytes = concat([encodeRecord('{"type":"SUBSCRIBED"}'), encodeRecord("ü")]);
  const got: string[] = [];
  for await (const r of readTextRecords(fromChunks(split(bytes, [1, 5, 23])))) got.push(r);
  assert.deepEqual(got, ['{"type":"SUBSCRIBED"}', "ü"]);
  const strings: string[] = [];
  for await (const r of readRecords(fromChunks(["3\nab", "c1\nd"]))) strings.push(text(r));
  assert.deepEqual(strings, ["abc", "d"]);
});

test("the async reader reads a web ReadableStream", async () => {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(utf8.encode("2\n{}"));
      controller.enqueue(utf8.encode("2\n[]"));
      controller.close();
    },
  });
  const got: string[] = [];
  for await (const r of readTextRecords(stream)) {
    got.push(r);
  }
  assert.deepEqual(got, ["{}", "[]"]);
});

test("the async reader throws a coded error after yielding the good records", async () => {
  const got: string[] = [];
  await assert.rejects(
    async () => {
      for await (const r of readTextRecords(fromChunks(["2\n{}", "zz"]))) got.push(r);
    },
    (e: unknown) => e instanceof RecordIoStreamError && e.code === "RECORDIO_MALFORMED_LENGTH",
  );
  assert.deepEqual(got, ["{}"]);
  await assert.rejects(
    async () => {
      for await (const _ of readRecords(fromChunks(["4\nab"]))) {
        // drain
      }
    },
    (e: unknown) => e instanceof RecordIoStreamError && e.code === "RECORDIO_TRUNCATED",
  );
});
