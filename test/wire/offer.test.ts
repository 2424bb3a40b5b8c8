import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeWire, parseWire } from "../../src/wire/json.ts";
import {
  InverseOffer,
  isTerminalOperationState,
  Offer,
  OfferOperation,
  OPERATION_STATES,
  Operation,
  OperationStatus,
  Request,
} from "../../src/wire/offer.ts";
import { LAUNCH_GROUP, LAUNCH_TASK_INFO, OFFER } from "./mesos-examples.ts";
import { errorOf } from "./wire-asserts.ts";

const UUID_B64 = "hTaLQ0b5Q1OZuab7QclTKQ==";
const cpus = (value: number) => ({ name: "cpus", type: "SCALAR", scalar: { value } });
const volume = {
  name: "disk",
  type: "SCALAR",
  scalar: { value: 1024 },
  reservations: [{ type: "DYNAMIC", role: "web", principal: "ops" }],
  disk: { persistence: { id: "vol-1" }, volume: { mode: "RW", container_path: "data" } },
};
const rawDisk = {
  name: "disk",
  type: "SCALAR",
  scalar: { value: 2048 },
  disk: { source: { type: "RAW", id: "vol-x", profile: "fast" } },
};

test("the OFFERS example's offer parses with its URL, attributes and executors", () => {
  const r = parseWire(Offer, OFFER);
  assert.ok(r.ok);
  assert.equal(r.value.url?.path, "/slave(1)");
  assert.equal(r.value.url?.address.port, 5051);
  assert.equal(r.value.resources?.length, 5);
  assert.deepEqual(r.value.executor_ids, [{ value: "pod-1-exec" }]);
  assert.equal(r.value.allocation_info?.role, "web");
});

test("an offer requires id, framework_id, agent_id and hostname", () => {
  assert.equal(
    errorOf(parseWire(Offer, { resources: [] })),
    "Missing required fields: id, framework_id, agent_id, hostname",
  );
  const { hostname: _h, ...noHost } = OFFER;
  assert.equal(errorOf(parseWire(Offer, noHost)), "Missing required fields: hostname");
  assert.equal(
    errorOf(parseWire(Offer, { ...OFFER, url: { scheme: "http", address: {} } })),
    "Missing required fields: url.address.port",
  );
});

test("inverse offers need a framework and an unavailability window; requests are loose", () => {
  const r = parseWire(InverseOffer, {
    id: { value: "m-O1" },
    framework_id: { value: "m-0000" },
    agent_id: { value: "m-S0" },
    unavailability: {
      start: { nanoseconds: 1724431234000000000 },
      duration: { nanoseconds: 3600e9 },
    },
  });
  assert.ok(r.ok);
  assert.equal(
    errorOf(parseWire(InverseOffer, { id: { value: "x" } })),
    "Missing required fields: framework_id, unavailability",
  );
  assert.ok(parseWire(Request, { agent_id: { value: "m-S0" }, resources: [cpus(1)] }).ok);
});

test("every Offer.Operation type parses with its sub-message", () => {
  const operations = [
    { type: "LAUNCH", launch: { task_infos: [LAUNCH_TASK_INFO] } },
    { type: "LAUNCH_GROUP", launch_group: LAUNCH_GROUP },
    {
      type: "RESERVE",
      id: { value: "op-1" },
      reserve: {
        source: [cpus(2)],
        resources: [
          { ...cpus(2), reservations: [{ type: "DYNAMIC", role: "web", principal: "ops" }] },
        ],
      },
    },
    {
      type: "UNRESERVE",
      unreserve: { resources: [{ ...cpus(2), reservations: [{ type: "DYNAMIC", role: "web" }] }] },
    },
    { type: "CREATE", create: { volumes: [volume] } },
    { type: "DESTROY", destroy: { volumes: [volume] } },
    {
      type: "GROW_VOLUME",
      grow_volume: { volume, addition: { name: "disk", type: "SCALAR", scalar: { value: 512 } } },
    },
    { type: "SHRINK_VOLUME", shrink_volume: { volume, subtract: { value: 512 } } },
    {
      type: "CREATE_DISK",
      create_disk: { source: rawDisk, target_type: "MOUNT", target_profile: "fast" },
    },
    { type: "DESTROY_DISK", destroy_disk: { source: rawDisk } },
  ];
  for (const op of operations) {
    const r = parseWire(OfferOperation, op);
    assert.ok(r.ok, `${op.type}: ${r.ok ? "" : r.error}`);
    assert.equal(r.value.type, op.type);
  }
});

test("an operation's sub-message fields are required where the proto says so", () => {
  assert.equal(
    errorOf(parseWire(OfferOperation, { type: "LAUNCH_GROUP", launch_group: {} })),
    "Missing required fields: launch_group.executor, launch_group.task_group",
  );
  assert.equal(
    errorOf(parseWire(OfferOperation, { type: "SHRINK_VOLUME", shrink_volume: { volume } })),
    "Missing required fields: shrink_volume.subtract",
  );
  assert.equal(
    errorOf(
      parseWire(OfferOperation, {
        type: "CREATE_DISK",
        create_disk: { source: rawDisk, target_type: "FLOPPY" },
      }),
    ),
    "create_disk.target_type: Failed to find enum for 'FLOPPY'",
  );
  assert.equal(
    errorOf(parseWire(OfferOperation, { type: "LAUNCH", launch: { task_infos: [{ name: "x" }] } })),
    "Missing required fields: launch.task_infos[0].task_id, launch.task_infos[0].agent_id",
  );
});

test("an unknown operation type is dropped (read as UNKNOWN, which the master ignores)", () => {
  const r = parseWire(OfferOperation, { type: "TELEPORT" });
  assert.ok(r.ok);
  assert.equal(r.value.type, undefined);
});

test("operation states: known names required, five of them terminal", () => {
  assert.equal(OPERATION_STATES.length, 10);
  assert.deepEqual(OPERATION_STATES.filter(isTerminalOperationState), [
    "OPERATION_FINISHED",
    "OPERATION_FAILED",
    "OPERATION_ERROR",
    "OPERATION_DROPPED",
    "OPERATION_GONE_BY_OPERATOR",
  ]);
  assert.equal(errorOf(parseWire(OperationStatus, {})), "Missing required fields: state");
  assert.equal(
    errorOf(parseWire(OperationStatus, { state: "OPERATION_MAYBE" })),
    "state: Failed to find enum for 'OPERATION_MAYBE'",
  );
});

test("operation status and operation records carry UUID messages of 16 bytes", () => {
  const status = {
    operation_id: { value: "op-1" },
    state: "OPERATION_FINISHED",
    converted_resources: [cpus(2)],
    uuid: { value: UUID_B64 },
    agent_id: { value: "m-S0" },
    resource_provider_id: { value: "rp-1" },
  };
  assert.ok(parseWire(OperationStatus, status).ok);
  const r = parseWire(Operation, {
    framework_id: { value: "m-0000" },
    agent_id: { value: "m-S0" },
    info: { type: "RESERVE", id: { value: "op-1" }, reserve: { resources: [cpus(2)] } },
    latest_status: status,
    statuses: [status],
    uuid: { value: UUID_B64 },
  });
  assert.ok(r.ok);
  assert.equal(
    errorOf(parseWire(Operation, {})),
    "Missing required fields: info, latest_status, uuid",
  );
  assert.match(
    errorOf(parseWire(OperationStatus, { state: "OPERATION_PENDING", uuid: { value: "aGk=" } })),
    /^uuid\.value: /,
  );
});

test("an operation with an empty resource list is printed without it", () => {
  assert.equal(
    encodeWire(OfferOperation, { type: "UNRESERVE", unreserve: { resources: [] } }),
    '{"type":"UNRESERVE","unreserve":{}}',
  );
});
