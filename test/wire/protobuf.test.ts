import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  decodeProtobuf,
  encodeProtobuf,
  encodeProtobufChecked,
  message,
  parseProtobuf,
  Resource,
  repeated,
  SchedulerCall,
  SchedulerEvent,
  TaskStatus,
  uint32,
} from "../../src/wire/index.ts";
import { ProtoReader, ProtoWriter } from "../../src/wire/protobuf-bytes.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const fromHex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ""), "hex"));

function varintHex(value: number): string {
  const w = new ProtoWriter();
  w.varint(value);
  return hex(w.finish());
}

test("varints are written 7 bits at a time, negatives as ten-byte two's complement", () => {
  const cases: [number, string][] = [
    [0, "00"],
    [1, "01"],
    [127, "7f"],
    [128, "8001"],
    [300, "ac02"],
    [2 ** 32, "8080808010"],
    [2 ** 53 - 1, "ffffffffffffff0f"],
    [-1, "ffffffffffffffffff01"],
    [-(2 ** 31), "80808080f8ffffffff01"],
    // uint64's bound as a double saturates to the largest uint64.
    [2 ** 64, "ffffffffffffffffff01"],
  ];
  for (const [value, expected] of cases) assert.equal(varintHex(value), expected, String(value));
});

test("property: integers and doubles read back as written", () => {
  fc.assert(
    fc.property(
      fc.maxSafeInteger(),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.double(),
      (i64, i32, d) => {
        const w = new ProtoWriter();
        w.varint(i64);
        w.varint(i32);
        w.double(d);
        const bytes = w.finish();
        const r = new ProtoReader(bytes);
        assert.equal(r.int64(bytes.length), i64);
        assert.equal(r.int32(bytes.length), i32);
        assert.ok(Object.is(r.double(bytes.length), d));
        assert.equal(r.pos, bytes.length);
      },
    ),
  );
});

// The expected bytes below are computed by hand from Mesos's field numbers
// (scheduler.proto, mesos.proto), as Mesos's C++ protobuf library writes them: fields in
// declaration order, only those set, defaults included when set.

test("a DECLINE call encodes as Mesos encodes it", () => {
  const bytes = encodeProtobufChecked(SchedulerCall, {
    framework_id: { value: "f" },
    type: "DECLINE",
    decline: { offer_ids: [{ value: "o1" }], filters: { refuse_seconds: 5 } },
  });
  assert.equal(
    hex(bytes),
    // framework_id (1) {value (1) "f"}; type (2) = 4; decline (5) {offer_ids (1) {value "o1"};
    // filters (2) {refuse_seconds (1) = 5.0 as a little-endian double}}
    "0a030a0166" + "1004" + "2a11" + "0a040a026f31" + "1209" + "090000000000001440",
  );
});

test("an ACKNOWLEDGE call carries its UUID as 16 raw bytes", () => {
  const uuid = Buffer.from("00112233445566778899aabbccddeeff", "hex").toString("base64");
  const bytes = encodeProtobufChecked(SchedulerCall, {
    framework_id: { value: "f" },
    type: "ACKNOWLEDGE",
    acknowledge: { agent_id: { value: "a" }, task_id: { value: "t" }, uuid },
  });
  assert.equal(
    hex(bytes),
    "0a030a0166" +
      "1008" +
      // acknowledge (8) {agent_id (1); task_id (2); uuid (3) 16 bytes}
      "421c" +
      "0a030a0161" +
      "12030a0174" +
      "1a1000112233445566778899aabbccddeeff",
  );
  const back = parseProtobuf(SchedulerCall, bytes);
  assert.ok(back.ok);
  assert.equal(back.value.acknowledge?.uuid, uuid);
});

test("a HEARTBEAT event is two bytes; a FAILURE's negative status is a ten-byte varint", () => {
  assert.equal(hex(encodeProtobufChecked(SchedulerEvent, { type: "HEARTBEAT" })), "0808");
  const failure = encodeProtobufChecked(SchedulerEvent, {
    type: "FAILURE",
    failure: { agent_id: { value: "a" }, status: -1 },
  });
  // type (1) = 6; failure (7) {agent_id (1) {value "a"}; status (3) = -1}
  assert.equal(hex(failure), "0806" + "3a10" + "0a030a0161" + "18ffffffffffffffffff01");
});

test("lengths of 128 bytes and more take two bytes, nested messages included", () => {
  const text = "a".repeat(200);
  const bytes = encodeProtobufChecked(SchedulerEvent, { type: "ERROR", error: { message: text } });
  // type (1) = 7; error (8) {message (1) 200 bytes}: 203 bytes, length 0xcb 0x01
  assert.equal(hex(bytes), `080742cb010ac801${"61".repeat(200)}`);
  const back = parseProtobuf(SchedulerEvent, bytes);
  assert.equal(back.ok && back.value.error?.message, text);
});

test("a scalar resource encodes name, type SCALAR (0) and its value", () => {
  const bytes = encodeProtobufChecked(Resource, {
    name: "cpus",
    type: "SCALAR",
    scalar: { value: 1 },
  });
  // name (1) "cpus"; type (2) = 0; scalar (3) {value (1) = 1.0}
  assert.equal(hex(bytes), "0a0463707573" + "1000" + "1a09" + "09000000000000f03f");
});

test("decoding skips unknown fields and drops unknown enum numbers", () => {
  // type (1) = 99 (no such type), an unknown varint field 50, then error (8) {message "x"}
  const bytes = fromHex("0863" + "900301" + "4203" + "0a0178");
  const decoded = decodeProtobuf(SchedulerEvent, bytes);
  assert.deepEqual(decoded, { ok: true, value: { error: { message: "x" } } });
});

test("decoding takes declared defaults from the schema, as the JSON path does", () => {
  // task_id (1) {value "t"}; state (2) = TASK_RUNNING (1)
  const parsed = parseProtobuf(TaskStatus, fromHex("0a030a01741001"));
  assert.ok(parsed.ok);
  assert.equal(parsed.value.state, "TASK_RUNNING");
  assert.equal(parsed.value.task_id.value, "t");
});

test("a message field seen twice is merged; a scalar seen twice keeps the last", () => {
  // type DECLINE; decline (5) given twice, each with filters (2) {refuse_seconds 5.0, then 10.0}
  const call = fromHex("1004" + "2a0b1209090000000000001440" + "2a0b1209090000000000002440");
  const parsed = parseProtobuf(SchedulerCall, call);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.decline?.filters?.refuse_seconds, 10);
});

test("a repeated scalar reads the same packed or not", () => {
  const Numbers = message({ xs: repeated(uint32) }, { xs: 1 });
  assert.deepEqual(decodeProtobuf(Numbers, fromHex("08010802")), {
    ok: true,
    value: { xs: [1, 2] },
  });
  assert.deepEqual(decodeProtobuf(Numbers, fromHex("0a020102")), {
    ok: true,
    value: { xs: [1, 2] },
  });
  assert.equal(hex(encodeProtobuf(Numbers, { xs: [1, 2] })), "08010802");
});

test("malformed bytes are refused: truncation, a length past the end, a wrong wire type", () => {
  // "0801": framework_id (1), a message, given as a varint; "0d…": as a fixed32.
  for (const bad of [
    "0a",
    "0a05",
    "0aff01",
    "0a030a01",
    "08ffffffffffffffffffff01",
    "0801",
    "0d00000000",
  ]) {
    assert.equal(decodeProtobuf(SchedulerCall, fromHex(bad)).ok, false, bad);
  }
  const wrongType = decodeProtobuf(SchedulerCall, fromHex("0801"));
  assert.ok(!wrongType.ok && wrongType.error.includes("framework_id"));
});
