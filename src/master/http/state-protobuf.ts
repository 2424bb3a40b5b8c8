// GET_STATE in protobuf, encoded item by item in slices of the event loop (time-slice.ts), then
// written (issue 21). A length-delimited message needs its length before its content, so the
// whole answer is encoded before its first byte goes out, as the operator stream's SUBSCRIBED
// is printed (operator-events.ts). The bytes are those the whole answer encoded at once gave:
// a repeated field is its entries one after another, so a message's field encoded alone (a
// parent holding one list item) is that field's piece of the message, and the pieces in the
// schema's field order are the message.
import { setImmediate as nextTurn } from "node:timers/promises";
import type { z } from "zod";
import { APPLICATION_PROTOBUF, chunkedReply, type Reply } from "../../http/response.ts";
import { inSlices, TimeSlice } from "../../http/time-slice.ts";
import { StreamedArray, StreamedObject } from "../../wire/json-stream.ts";
import { MasterResponse } from "../../wire/operator-master.ts";
import { encodeProtobuf, unwrapSchema } from "../../wire/protobuf.ts";
import { ProtoWriter } from "../../wire/protobuf-bytes.ts";
import type { MasterCore } from "../core/master.ts";
import type { TaskRecord } from "../core/state.ts";
import type { AgentUsage } from "../core/views.ts";
import { TaskKeptCache } from "./state-json.ts";

/** List items encoded between two looks at the time slice (time-slice.ts). */
const ITEMS_PER_LOOK = 100;
/** Pieces are gathered into writes of about this many bytes. */
const WRITE_BYTES = 256 * 1024;

/** GetTasks' lists of tasks. */
const TASK_LISTS: ReadonlySet<string> = new Set(["tasks", "unreachable_tasks", "completed_tasks"]);

/** Each task's encoded list entry (its list's field tag included), kept as the JSON texts are. */
const protobufTasks = new TaskKeptCache<Uint8Array>();

interface Encoded {
  pieces: Uint8Array[];
  length: number;
}

function memberSchema(schema: z.ZodType, name: string): z.ZodType {
  const def = unwrapSchema(schema)._zod.def as unknown as { shape: Record<string, z.ZodType> };
  return unwrapSchema(def.shape[name] as z.ZodType);
}

/** A field's tag and length prefix, as the message encoding writes them. */
function prefix(schema: z.ZodType, name: string, length: number): Uint8Array {
  // The field holding an empty message is its tag and a length of 0.
  const empty = encodeProtobuf(schema, { [name]: {} });
  const w = new ProtoWriter();
  w.varint(length);
  return Buffer.concat([empty.subarray(0, empty.length - 1), w.finish()]);
}

/** `value` (a document of json-stream.ts markers) as the content of a `schema` message;
 *  `slot` says what a task's entry in the list `name` is made for, beside the task. */
function* encode(
  schema: z.ZodType,
  value: unknown,
  out: Encoded,
  slot: (task: TaskRecord, name: string) => string,
): Generator<void> {
  const add = (piece: Uint8Array) => {
    out.pieces.push(piece);
    out.length += piece.length;
  };
  if (!(value instanceof StreamedObject)) {
    add(encodeProtobuf(schema, schema.parse(value)));
    return;
  }
  for (const [name, member] of value.members) {
    if (member instanceof StreamedObject) {
      const inner: Encoded = { pieces: [], length: 0 };
      yield* encode(memberSchema(schema, name), member, inner, slot);
      add(prefix(schema, name, inner.length));
      for (const piece of inner.pieces) add(piece);
    } else if (member instanceof StreamedArray) {
      const entry = (item: unknown) =>
        encodeProtobuf(schema, schema.parse({ [name]: [member.render(item)] }));
      for (let i = 0; i < member.items.length; i++) {
        const item = member.items[i];
        // A task keeps its entry, made for its list (the tag) and its framework's user.
        add(
          TASK_LISTS.has(name)
            ? protobufTasks.kept(item as TaskRecord, slot(item as TaskRecord, name), () =>
                entry(item),
              )
            : entry(item),
        );
        if ((i + 1) % ITEMS_PER_LOOK === 0) yield;
      }
    } else if (member !== undefined) {
      add(encodeProtobuf(schema, schema.parse({ [name]: member })));
    }
  }
}

async function* answer(core: MasterCore): AsyncGenerator<Uint8Array> {
  // The agents' usage added up in slices first (views.ts agentUsageSteps).
  const usage = new Map<string, AgentUsage>();
  await inSlices(core.agentUsageSteps(usage));
  const document = new StreamedObject([
    ["type", "GET_STATE"],
    ["get_state", core.getStateDocument(undefined, usage)],
  ]);
  const out: Encoded = { pieces: [], length: 0 };
  // A task shows its framework's user (gone with a completed framework, whose user is final).
  const slot = (task: TaskRecord, name: string) =>
    `${name}\u0000${core.frameworkInfo(task.frameworkId)?.user ?? ""}`;
  const slice = new TimeSlice();
  for (const _ of encode(MasterResponse, document, out, slot)) {
    if (!slice.spent()) continue;
    await nextTurn();
    slice.restart();
  }
  let batch: Uint8Array[] = [];
  let bytes = 0;
  for (const piece of out.pieces) {
    batch.push(piece);
    bytes += piece.length;
    if (bytes >= WRITE_BYTES) {
      yield Buffer.concat(batch, bytes);
      batch = [];
      bytes = 0;
    }
  }
  if (bytes > 0) yield Buffer.concat(batch, bytes);
}

/** GET_STATE answered in protobuf, encoded in slices of the event loop. */
export function getStateProtobuf(core: MasterCore): Reply {
  return chunkedReply(200, { "Content-Type": APPLICATION_PROTOBUF }, answer(core));
}
