// Follows the master's operator event stream (SUBSCRIBE on /api/v1, JSON RecordIO) and feeds
// each event to the model. When the stream ends (the master stopped, lost leadership, or the
// network broke) it reconnects with a growing delay; the next SUBSCRIBED resynchronizes the
// whole state, so nothing is missed across a leader change.
import type { ClusterModel } from "./model.ts";
import { RecordIoReader } from "./recordio.ts";

/** Delays between reconnection attempts: doubled per failure from the first to the last. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/**
 * Marks (performance.mark) of a SUBSCRIBE's way in, from the request to the state applied: the
 * UI load bench (bench/ui.bench.ts) prints them to show where a first render's time went.
 */
const SUBSCRIBE_MARKS = [
  "subscribe-sent",
  "subscribe-headers",
  "subscribe-first-bytes",
  "subscribed-whole",
  "subscribed-parsed",
  "subscribed-applied",
] as const;

export type StreamStatus =
  | { kind: "connecting"; base: string }
  | { kind: "live"; base: string }
  | { kind: "down"; base: string; error: string };

export interface StreamOptions {
  /** Masters to try in turn, `""` being the page's own origin. */
  readonly bases: () => readonly string[];
  readonly authorization: () => string | undefined;
  readonly onStatus: (status: StreamStatus) => void;
  /** The status of each SUBSCRIBE answer (a 401 asks the user to log in). */
  readonly onHttpStatus?: (status: number) => void;
}

export function followMaster(model: ClusterModel, options: StreamOptions): () => void {
  let stopped = false;
  let controller: AbortController | undefined;
  let delay = RECONNECT_FIRST_MS;
  let attempt = 0;
  const loop = async () => {
    while (!stopped) {
      const bases = options.bases();
      const base = bases[attempt % bases.length] ?? "";
      options.onStatus({ kind: "connecting", base });
      controller = new AbortController();
      const error = await subscribeOnce(model, base, options, controller.signal, () => {
        delay = RECONNECT_FIRST_MS;
      });
      if (stopped) return;
      options.onStatus({ kind: "down", base, error });
      attempt++;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    }
  };
  void loop();
  return () => {
    stopped = true;
    controller?.abort();
  };
}

async function subscribeOnce(
  model: ClusterModel,
  base: string,
  options: StreamOptions,
  signal: AbortSignal,
  onLive: () => void,
): Promise<string> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/json",
  };
  const auth = options.authorization();
  if (auth !== undefined) headers.Authorization = auth;
  let response: Response;
  // Only this attempt's marks are kept: a page reconnecting for days would pile them up.
  for (const name of SUBSCRIBE_MARKS) performance.clearMarks(name);
  performance.mark("subscribe-sent");
  try {
    response = await fetch(`${base}/api/v1`, {
      method: "POST",
      headers,
      body: JSON.stringify({ type: "SUBSCRIBE" }),
      signal,
      // No browser password dialog on a 401: the page's login form asks (auth.ts).
      credentials: "omit",
    });
  } catch (error) {
    return `cannot reach ${base || "this master"}: ${String(error)}`;
  }
  options.onHttpStatus?.(response.status);
  if (!response.ok || response.body === null) {
    return `${response.status} ${await response.text().catch(() => "")}`.trim();
  }
  performance.mark("subscribe-headers");
  const reader = new RecordIoReader();
  const body = response.body.getReader();
  let first = true;
  let whole = false;
  try {
    for (;;) {
      const { done, value } = await body.read();
      if (done) return "the event stream ended";
      if (first) performance.mark("subscribe-first-bytes");
      first = false;
      for (const record of reader.push(value)) {
        if (!whole) performance.mark("subscribed-whole");
        whole = true;
        const event = JSON.parse(record) as Record<string, unknown>;
        if (event.type === "SUBSCRIBED") performance.mark("subscribed-parsed");
        model.apply(event);
        if (event.type === "SUBSCRIBED") {
          performance.mark("subscribed-applied");
          onLive();
          options.onStatus({ kind: "live", base });
        }
      }
    }
  } catch (error) {
    return `the event stream broke: ${String(error)}`;
  }
}
