// Following the leading master through ZooKeeper for SDK clients (reference §7), as Mesos's
// scheduler library does with `--master=zk://…`: a ZkDetector watches the masters' json.info_
// znodes and this turns the leader's MasterInfo into the base URL to talk to.
//
//   const client = new SchedulerClient({ master: "zk://zk1:2181,zk2:2181/tessera", ... });
import { readFileSync } from "node:fs";
import { processScheme } from "../http/tls.ts";
import { ZkDetector } from "../zk/detector.ts";
import { masterInfoUrl } from "../zk/master-info.ts";
import { resolveZkUrl } from "../zk/url.ts";

/** True for the master strings this file follows (`zk://…` and `file://…` holding one). */
export function isZkMaster(master: string): boolean {
  const trimmed = master.trim();
  return trimmed.startsWith("zk://") || trimmed.startsWith("file://");
}

export interface ZkLeaderOptions {
  sessionTimeoutMs?: number;
  /** Reads a `file://` URL's file (default: node:fs, synchronously, once). */
  readFile?: (path: string) => string;
}

export class ZkLeader {
  readonly #detector: ZkDetector;

  /** Throws on a bad URL (`ZkLeader.check` tells the problem first, as a value). */
  constructor(zkUrl: string, options: ZkLeaderOptions = {}) {
    const parsed = resolveZkUrl(zkUrl, options.readFile ?? readFileText);
    if (!parsed.ok) throw new Error(`ZkLeader: ${parsed.error.message}`);
    this.#detector = new ZkDetector({
      url: parsed.url,
      ...(options.sessionTimeoutMs === undefined
        ? {}
        : { sessionTimeoutMs: options.sessionTimeoutMs }),
    });
  }

  /** The problem with a zk:// (or file://) URL, or undefined when it can be followed. */
  static check(
    zkUrl: string,
    readFile: (path: string) => string = readFileText,
  ): string | undefined {
    const parsed = resolveZkUrl(zkUrl, readFile);
    return parsed.ok ? undefined : parsed.error.message;
  }

  /** The leading master's base URL, `http://ip:port`; undefined while none is known. */
  current(): string | undefined {
    const info = this.#detector.current();
    return info === undefined ? undefined : masterInfoUrl(info, processScheme());
  }

  /**
   * Resolves with the leader's base URL once one is known and differs from `previous`, or with
   * undefined when `signal` aborts first.
   */
  next(previous: string | undefined, signal: AbortSignal): Promise<string | undefined> {
    const now = this.current();
    if (now !== undefined && now !== previous) return Promise.resolve(now);
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const finish = (url: string | undefined) => {
        off();
        signal.removeEventListener("abort", onAbort);
        resolve(url);
      };
      const onAbort = () => finish(undefined);
      const off = this.#detector.onChange((info) => {
        const url = info === undefined ? undefined : masterInfoUrl(info, processScheme());
        if (url !== undefined && url !== previous) finish(url);
      });
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Calls `listener` with the new leader's URL (undefined = none known) on every change. */
  onChange(listener: (url: string | undefined) => void): () => void {
    return this.#detector.onChange((info) =>
      listener(info === undefined ? undefined : masterInfoUrl(info, processScheme())),
    );
  }

  close(): Promise<void> {
    return this.#detector.close();
  }
}

function readFileText(path: string): string {
  return readFileSync(path, "utf8");
}

/**
 * The masters a client is given: plain URLs (tried in turn), or one zk:// (or file://) URL
 * to follow. Throws on a bad zk URL or an empty list: a client cannot start from either.
 */
export function masterSources(master: string | readonly string[]): {
  readonly masters: readonly string[];
  readonly zkMaster: string | undefined;
} {
  if (typeof master === "string" && isZkMaster(master)) {
    const problem = ZkLeader.check(master);
    if (problem !== undefined) throw new Error(`SchedulerClient: ${problem}`);
    return { masters: [], zkMaster: master };
  }
  const masters = typeof master === "string" ? [master] : master;
  if (masters.length === 0) throw new Error("SchedulerClient: at least one master URL is needed");
  return { masters, zkMaster: undefined };
}
