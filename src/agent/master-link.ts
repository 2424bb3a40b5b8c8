// The agent's end of the master <-> agent channel (src/wire/agent-channel.ts; the master's end
// is src/master/http/agent-channel.ts): SUBSCRIBE is POSTed and its 200 RecordIO response read
// as the master's event stream; every other call is its own POST carrying the stream's
// `Mesos-Stream-Id`. A 307 names the leading master: the link follows it on the next attempt.
// Retries and their backoff belong to the agent core (registration timer), so a refused or
// broken subscription is reported as a disconnection and the core decides when to try again.
//
// `--master=zk://…` (reference §7): a ZkDetector follows the leading master. On every change of
// leader the link drops its stream and reports a disconnection, so the core starts registering
// afresh (SUBSCRIBE carries the agent id, its tasks and executors, and each task's
// unacknowledged update; the status update manager resends those until acknowledged), as
// Mesos's agent does when its detector names a new master. While no leader is known a SUBSCRIBE
// is dropped: the registration timer tries again, and the next leader restarts registration.
//
// A SUBSCRIBE gets a bound on its first event (AGENT_FIRST_EVENT_TIMEOUT_MS): a master that
// never answers, or opens the stream and never sends SUBSCRIBED (nemesis seed 5057: a master
// that ignored a re-registration while marking the agent unreachable), would otherwise keep
// the agent out for good, since no second SUBSCRIBE goes out while the first is unanswered.
// Past the bound the link drops it and reports a disconnection: the core subscribes again
// after its registration backoff, as Mesos's agent re-sends its registration until answered.

import type { Logger } from "pino";
import { postCall, type Subscription, subscribe } from "../http/client.ts";
import { processScheme } from "../http/tls.ts";
import { basicAuthorization } from "../security/http-authentication.ts";
import {
  AGENT_CHANNEL_PATH,
  AGENT_CHANNEL_VERSION,
  AGENT_CHANNEL_VERSION_HEADER,
  AgentCall,
  AgentEvent,
} from "../wire/agent-channel.ts";
import type { MasterInfo } from "../wire/framework.ts";
import { encodeTrusted, parseWire } from "../wire/json.ts";
import { ZkDetector } from "../zk/detector.ts";
import { masterInfoUrl } from "../zk/master-info.ts";
import { parseZkUrl } from "../zk/url.ts";
import type { MasterCall } from "./core/types.ts";

export const AGENT_CHANNEL_URL_PATH = `/master/${AGENT_CHANNEL_PATH}`;

/** Most calls in one POST: bounds a request's body (a status update is ~0.5 KiB). */
export const MAX_CALLS_PER_POST = 256;

/** How long a POST of agent calls may wait for the master's answer. */
export const AGENT_CALL_TIMEOUT_MS = 10_000;

/** How long a SUBSCRIBE may wait for its first event (the master's SUBSCRIBED) before it is dropped. */
export const AGENT_FIRST_EVENT_TIMEOUT_MS = 15_000;

/** `baseUrl` before a zk:// link has seen any leader (an address nothing answers on). */
export const UNKNOWN_MASTER_URL = "http://0.0.0.0:0";

export interface MasterLinkEvents {
  event(event: AgentEvent): void;
  /** The current stream ended or could not be opened. */
  disconnected(): void;
}

export class MasterLink {
  #baseUrl: string;
  #subscription: Subscription | undefined;
  #streamId: string | undefined;
  #generation = 0;
  #closed = false;
  /** A SUBSCRIBE is in flight, or its stream is open but nothing came on it yet. */
  #awaitingFirstEvent = false;
  /** Drops the SUBSCRIBE in flight once it waited AGENT_FIRST_EVENT_TIMEOUT_MS for an event. */
  #firstEventTimer: NodeJS.Timeout | undefined;
  /** Aborts the SUBSCRIBE in flight (its request, or its stream once open). */
  #abort: AbortController | undefined;
  /** Set for `zk://` masters: who leads, and whether anyone does. */
  #detector: ZkDetector | undefined;
  #leaderKnown = true;
  /** Calls (JSON text) waiting for the POST now out to be answered, for `#outboxStreamId`. */
  #outbox: string[] = [];
  #outboxStreamId: string | undefined;
  /** The loop posting the outbox, while one runs (a token: a new one replaces a stuck one). */
  #sender: object | undefined;

  /** `master`: a master's base URL (`http://host:port`), or a `zk://` URL to follow. */
  #authorization: string | undefined;

  constructor(
    master: string,
    private readonly events: MasterLinkEvents,
    private readonly logger: Logger,
    zkSessionTimeoutMs?: number,
    /** `--credential`: sent as Basic on every call, for the master's --authenticate_agents. */
    credential?: { readonly principal: string; readonly secret: string },
    private readonly firstEventTimeoutMs = AGENT_FIRST_EVENT_TIMEOUT_MS,
  ) {
    if (credential !== undefined) {
      this.#authorization = basicAuthorization(credential.principal, credential.secret);
    }
    this.#baseUrl = master;
    if (master.startsWith("zk://")) {
      const parsed = parseZkUrl(master);
      if (!parsed.ok) throw new Error(`MasterLink: ${parsed.error.message}`);
      this.#baseUrl = UNKNOWN_MASTER_URL;
      this.#leaderKnown = false;
      this.#detector = new ZkDetector({
        url: parsed.url,
        ...(zkSessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: zkSessionTimeoutMs }),
      });
      this.#detector.onChange((leader) => this.#leaderChanged(leader));
    }
  }

  /** The master in use: the leader last detected or redirected to. */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  #leaderChanged(leader: MasterInfo | undefined): void {
    if (this.#closed) return;
    this.#leaderKnown = leader !== undefined;
    if (leader === undefined) {
      this.logger.warn("no leading master is known");
      return; // the stream to the old leader ends on its own, or stays if it still leads
    }
    this.#baseUrl = masterInfoUrl(leader, processScheme());
    this.logger.info({ leader: this.#baseUrl, id: leader.id }, "new leading master detected");
    // Drop whatever we had with the previous leader and re-register with this one.
    this.#generation++;
    this.#subscription?.close();
    this.#subscription = undefined;
    this.#streamId = undefined;
    this.#lost();
  }

  #headers(): Record<string, string> {
    const headers = { [AGENT_CHANNEL_VERSION_HEADER]: AGENT_CHANNEL_VERSION };
    return this.#authorization === undefined
      ? headers
      : { ...headers, Authorization: this.#authorization };
  }

  /** Opens a new event stream with this SUBSCRIBE call, replacing the old one. */
  subscribe(call: MasterCall): void {
    if (this.#closed) return;
    // A retry while the master has not answered the last SUBSCRIBE would register the agent a
    // second time (the channel knows agents by their subscription): let the first one finish.
    if (this.#awaitingFirstEvent) return;
    if (!this.#leaderKnown) return; // the registration timer retries; a new leader restarts it
    this.#awaitingFirstEvent = true;
    const generation = ++this.#generation;
    this.#subscription?.close();
    this.#subscription = undefined;
    this.#streamId = undefined;
    // The new stream's calls must not wait behind a POST made on the old one.
    this.#sender = undefined;
    const abort = new AbortController();
    this.#abort = abort;
    clearTimeout(this.#firstEventTimer);
    this.#firstEventTimer = setTimeout(
      () => this.#firstEventOverdue(generation),
      this.firstEventTimeoutMs,
    );
    void this.#run(generation, encodeTrusted(AgentCall, call), abort.signal);
  }

  /** The SUBSCRIBE of `generation` got no event in time: drop it, so that the core subscribes again. */
  #firstEventOverdue(generation: number): void {
    if (generation !== this.#generation || !this.#awaitingFirstEvent || this.#closed) return;
    this.logger.warn(
      { master: this.#baseUrl, waitedMs: this.firstEventTimeoutMs },
      "the master did not answer the subscription: subscribing again",
    );
    this.#generation++;
    this.#abort?.abort();
    this.#subscription?.close();
    this.#subscription = undefined;
    this.#streamId = undefined;
    this.#lost();
  }

  async #run(generation: number, body: string, signal: AbortSignal): Promise<void> {
    let sub: Awaited<ReturnType<typeof subscribe>>;
    try {
      sub = await subscribe(`${this.#baseUrl}${AGENT_CHANNEL_URL_PATH}`, body, {
        headers: this.#headers(),
        signal,
      });
    } catch (error) {
      this.logger.debug({ err: error }, "master not reachable");
      if (generation === this.#generation) this.#lost();
      return;
    }
    if (!sub.ok) {
      const { status, headers, body: text } = sub.response;
      const location = headers.location;
      if (status === 307 && location !== undefined) {
        // Protocol-relative `//host:port/master/...`: keep the scheme, take the host.
        const url = new URL(location, this.#baseUrl);
        this.#baseUrl = `${url.protocol}//${url.host}`;
        this.logger.info({ leader: this.#baseUrl }, "following the leading master");
      } else {
        this.logger.warn({ status, body: text }, "master refused the subscription");
      }
      if (generation === this.#generation) this.#lost();
      return;
    }
    if (generation !== this.#generation || this.#closed) {
      sub.close();
      return;
    }
    this.#subscription = sub;
    this.#streamId = sub.streamId;
    try {
      for await (const json of sub.events) {
        if (generation !== this.#generation) break;
        if (this.#awaitingFirstEvent) clearTimeout(this.#firstEventTimer);
        this.#awaitingFirstEvent = false;
        const parsed = parseWire(AgentEvent, json);
        if (parsed.ok) this.events.event(parsed.value);
        else this.logger.warn({ error: parsed.error }, "bad event from the master");
      }
    } catch (error) {
      this.logger.debug({ err: error }, "master stream broke");
    }
    if (generation === this.#generation && !this.#closed) {
      this.#subscription = undefined;
      this.#streamId = undefined;
      this.#lost();
    }
  }

  #lost(): void {
    this.#awaitingFirstEvent = false;
    clearTimeout(this.#firstEventTimer);
    // A POST to the lost master may never be answered: the next stream's calls must not
    // wait behind it.
    this.#sender = undefined;
    this.events.disconnected();
  }

  /**
   * Any call but SUBSCRIBE; dropped without a stream (the core resends what matters). Calls go
   * out in order, one POST at a time: those queued while a POST is out leave together in the
   * next one (a JSON array; see src/master/http/agent-channel.ts), so a burst of status
   * updates costs a few requests rather than one each, and a lone call still leaves at once.
   */
  send(call: MasterCall): void {
    const streamId = this.#streamId;
    if (streamId === undefined || this.#closed) return;
    if (streamId !== this.#outboxStreamId) {
      // Calls queued for an earlier stream would be refused by the master: drop them.
      this.#outbox = [];
      this.#outboxStreamId = streamId;
    }
    this.#outbox.push(encodeTrusted(AgentCall, call));
    if (this.#sender !== undefined) return;
    const sender = {};
    this.#sender = sender;
    // Whatever else the agent sends in this turn of the event loop joins the first POST.
    queueMicrotask(() => void this.#drain(sender));
  }

  /** Posts the outbox until it is empty; stops once another sender replaced it. */
  async #drain(sender: object): Promise<void> {
    while (this.#sender === sender && !this.#closed && this.#outbox.length > 0) {
      const streamId = this.#outboxStreamId;
      if (streamId === undefined) break;
      const calls = this.#outbox.splice(0, MAX_CALLS_PER_POST);
      const body = calls.length === 1 ? (calls[0] ?? "") : `[${calls.join(",")}]`;
      // The calls behind this one wait for it: a master that never answers must not hold
      // them for ever (what is dropped is resent by the core, as for a failed POST). A timer
      // cleared on the answer, not AbortSignal.timeout: that one fires 10 s after every POST
      // and builds a DOMException each time, a cost per status update for nothing.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), AGENT_CALL_TIMEOUT_MS);
      try {
        const res = await postCall(`${this.#baseUrl}${AGENT_CHANNEL_URL_PATH}`, body, {
          headers: { ...this.#headers(), "Mesos-Stream-Id": streamId },
          signal: timeout.signal,
        });
        if (res.status !== 202) {
          this.logger.warn(
            { status: res.status, body: res.body, calls: calls.length },
            "agent call refused",
          );
        }
      } catch (error) {
        this.logger.debug({ err: error, calls: calls.length }, "agent call failed");
      } finally {
        clearTimeout(timer);
      }
    }
    if (this.#sender === sender) this.#sender = undefined;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#firstEventTimer);
    this.#abort?.abort();
    this.#generation++;
    this.#subscription?.close();
    void this.#detector?.close();
  }
}
