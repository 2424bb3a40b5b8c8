import assert from "node:assert/strict";
import { test } from "node:test";
import * as wire from "../../src/wire/index.ts";

test("the wire index re-exports the JSON dialect and every core message module", () => {
  for (const name of [
    "parseWire",
    "encodeWire",
    "FrameworkID",
    "Resource",
    "FrameworkInfo",
    "MasterInfo",
    "TaskInfo",
    "NetworkInfo",
    "Volume",
    "TaskStatus",
    "Offer",
    "OfferOperation",
    "ResourceStatistics",
    "validateRole",
    "checkTaskInfoShape",
  ]) {
    assert.ok(name in wire, name);
  }
});
