import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { z } from "zod";
import {
  AgentOperatorCall,
  AgentOperatorResponse,
  ExecutorCall,
  ExecutorEvent,
  encodeProtobuf,
  MasterCall,
  MasterEvent,
  MasterResponse,
  parseProtobuf,
  parseWire,
  parseWireText,
  SchedulerCall,
  SchedulerEvent,
  stringifyWire,
} from "../../src/wire/index.ts";
import { arbitraryJson } from "./schema-arbitrary.ts";

// Every call, event and response of the v1 APIs, one property per message kind: the type and
// the sub-message it names (Mesos's convention: ACCEPT_INVERSE_OFFERS → accept_inverse_offers).
const ENVELOPES: Record<string, z.ZodType> = {
  "scheduler Call": SchedulerCall,
  "scheduler Event": SchedulerEvent,
  "executor Call": ExecutorCall,
  "executor Event": ExecutorEvent,
  "master Call": MasterCall,
  "master Response": MasterResponse,
  "master Event": MasterEvent,
  "agent Call": AgentOperatorCall,
  "agent Response": AgentOperatorResponse,
};

const RUNS = 25;

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  return (schema._zod.def as unknown as { shape: Record<string, z.ZodType> }).shape;
}

/** The same JSON, compared in Mesos's dialect (empty arrays omitted, NaN kept). */
function wireJson(value: unknown): unknown {
  return parseWireText(stringifyWire(value));
}

function roundTrips(schema: z.ZodType, json: unknown): void {
  const parsed = parseWire(schema, json);
  assert.ok(parsed.ok, parsed.ok ? "" : `generated JSON does not parse: ${parsed.error}`);
  const bytes = encodeProtobuf(schema, parsed.value);
  const back = parseProtobuf(schema, bytes);
  assert.ok(back.ok, back.ok ? "" : back.error);
  assert.deepEqual(wireJson(back.value), wireJson(parsed.value));
}

for (const [name, envelope] of Object.entries(ENVELOPES)) {
  const shape = shapeOf(envelope);
  for (const field of Object.keys(shape)) {
    if (field === "type") continue;
    const type = field.toUpperCase();
    const base = arbitraryJson(envelope, 99); // only the envelope's required fields
    const sub = arbitraryJson(shape[field] as z.ZodType, 1);
    test(`property: a ${name} ${type} survives JSON → protobuf → JSON`, () => {
      fc.assert(
        fc.property(base, sub, (b, s) => {
          roundTrips(envelope, { ...(b as object), type, [field]: s });
        }),
        { numRuns: RUNS },
      );
    });
  }
}

test("property: every envelope with any of its fields survives JSON → protobuf → JSON", () => {
  for (const envelope of Object.values(ENVELOPES)) {
    fc.assert(
      fc.property(arbitraryJson(envelope, 2), (json) => roundTrips(envelope, json)),
      { numRuns: 4 },
    );
  }
});
