// The master's big answers printed as they are written (src/wire/json-stream.ts): /master/state
// (legacy JSON) and the operator API's GET_STATE in JSON (protobuf JSON, Mesos's dialect). The
// text is the one the whole answer would have printed as at once; only its pacing changed.
import { JSONP_CALLBACK } from "../../http/jsonp.ts";
import { APPLICATION_JSON, chunkedReply, type Reply, textResponse } from "../../http/response.ts";
import { inSlices } from "../../http/time-slice.ts";
import { verifyTrustedText } from "../../wire/json.ts";
import { type JsonDialect, jsonChunks, jsonText, StreamedObject } from "../../wire/json-stream.ts";
import { MasterResponse } from "../../wire/operator-master.ts";
import type { MasterCore } from "../core/master.ts";
import type { TaskRecord } from "../core/state.ts";
import type { AgentUsage, TaskTexts } from "../core/views.ts";

/** `document` as a 200 JSON answer in chunks, wrapped when the query asks for `jsonp`. */
export function streamedJsonOrJsonp(
  query: URLSearchParams,
  document: unknown,
  dialect: JsonDialect = "json",
): Reply {
  const callback = query.get("jsonp");
  if (callback === null) return streamedJson(document, dialect);
  if (!JSONP_CALLBACK.test(callback)) return textResponse(400, "Invalid 'jsonp' callback name");
  return chunkedReply(200, { "Content-Type": "text/javascript" }, wrapped(callback, document));
}

export function streamedJson(
  document: unknown,
  dialect: JsonDialect,
  mediaType = APPLICATION_JSON,
) {
  return chunkedReply(200, { "Content-Type": mediaType }, jsonChunks(document, dialect));
}

function* wrapped(callback: string, document: unknown): Generator<string> {
  yield `${callback}(`;
  yield* jsonChunks(document, "json");
  yield ");";
}

/**
 * GET_STATE in JSON, printed as it is written. Not validated on the way out: the core's values
 * were validated where they came in, and the tests check the text against the validated form
 * (verifyTrustedText), as the operator stream's SUBSCRIBED is (operator-events.ts).
 */
export function getStateJson(core: MasterCore): Reply {
  verifyTrustedText(
    MasterResponse,
    () => jsonText(answerDocument(core.getStateDocument(v1Texts)), "wire"),
    () => ({ type: "GET_STATE" as const, get_state: core.getState() }),
  );
  return chunkedReply(200, { "Content-Type": APPLICATION_JSON }, getStateChunks(core));
}

function answerDocument(state: StreamedObject): StreamedObject {
  return new StreamedObject([
    ["type", "GET_STATE"],
    ["get_state", state],
  ]);
}

async function* getStateChunks(core: MasterCore): AsyncGenerator<string> {
  yield* jsonChunks(answerDocument(await inSlices(v1StateSteps(core))), "wire");
}

/**
 * The GET_STATE document (tasks shown with their kept v1 texts), made in steps: the agents'
 * usage is added up first, a step every few thousand tasks (views.ts agentUsageSteps), as
 * the shell runs it in slices of the event loop; then the document is returned. At 100,000
 * tasks the usage made at once held every other call for 50-80 ms.
 */
export function* v1StateSteps(core: MasterCore): Generator<void, StreamedObject> {
  const usage = new Map<string, AgentUsage>();
  yield* core.agentUsageSteps(usage);
  return core.getStateDocument(v1Texts, usage);
}

/**
 * Most tasks a TaskKeptCache keeps a rendering for (each about 0.4 to 0.9 KB of text): the
 * issue-21 state of 200,000 running and 200,000 completed tasks, all kept.
 */
export const TASK_KEPT_MAX = 400_000;

/** What a task's kept rendering was made from: every field its renderings read. */
interface TaskKept<T> {
  readonly agentId: string;
  readonly executorId: string | undefined;
  readonly info: TaskRecord["info"];
  readonly role: string;
  readonly resources: TaskRecord["resources"];
  readonly state: TaskRecord["state"];
  readonly statusUpdateState: TaskRecord["statusUpdateState"];
  readonly statusUpdateUuid: string | undefined;
  readonly statuses: TaskRecord["statuses"];
  /** The statuses array grows in place past 8 entries (tasks.ts applyStatus). */
  readonly statusCount: number;
  /** What else it was made for (the user shown, the list it is in). */
  readonly slot: string | undefined;
  readonly value: T;
}

function unchanged(kept: TaskKept<unknown>, task: TaskRecord, slot: string | undefined): boolean {
  return (
    kept.state === task.state &&
    kept.statuses === task.statuses &&
    kept.statusCount === task.statuses.length &&
    kept.statusUpdateState === task.statusUpdateState &&
    kept.statusUpdateUuid === task.statusUpdateUuid &&
    kept.info === task.info &&
    kept.resources === task.resources &&
    kept.agentId === task.agentId &&
    kept.executorId === task.executorId &&
    kept.role === task.role &&
    kept.slot === slot
  );
}

/**
 * Each task's rendering (printed text, encoded bytes), kept for the next state answer: most of
 * the tasks of a big state (the completed ones, and running ones between updates) render the
 * same every time, and rendering was most of an answer's time. A kept one is used only while
 * every field it was made from is still the task's own (records change in place: compared by
 * identity and value); a task that changed is rendered again. Kept in a WeakMap on the task
 * records, gone with them, and at most `max` of them (TASK_KEPT_MAX): a WeakMap cannot say how
 * many it still holds, so the tasks given one are counted, and past the bound it starts over
 * empty (every task is rendered once again, then kept).
 */
export class TaskKeptCache<T> {
  #kept = new WeakMap<TaskRecord, TaskKept<T>>();
  /** Tasks given an entry since the cache last started over (some may be gone since). */
  #entries = 0;
  readonly #max: number;

  constructor(max = TASK_KEPT_MAX) {
    this.#max = max;
  }

  kept(task: TaskRecord, slot: string | undefined, make: () => T): T {
    const kept = this.#kept.get(task);
    if (kept !== undefined && unchanged(kept, task, slot)) return kept.value;
    const value = make();
    if (kept === undefined && ++this.#entries > this.#max) {
      this.#kept = new WeakMap();
      this.#entries = 1;
    }
    this.#kept.set(task, {
      agentId: task.agentId,
      executorId: task.executorId,
      info: task.info,
      role: task.role,
      resources: task.resources,
      state: task.state,
      statusUpdateState: task.statusUpdateState,
      statusUpdateUuid: task.statusUpdateUuid,
      statuses: task.statuses,
      statusCount: task.statuses.length,
      slot,
      value,
    });
    return value;
  }
}

/** Tasks as GET_STATE and SUBSCRIBED show them (protobuf JSON), and as /master/state does. */
export const v1TaskTexts = new TaskKeptCache<string>();
export const legacyTaskTexts = new TaskKeptCache<string>();

/** v1TaskTexts as the core's stateDocument takes it. */
export const v1Texts: TaskTexts = (task, user, print) =>
  v1TaskTexts.kept(task, user, () => print(task));
