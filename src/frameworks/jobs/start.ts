// Starts the jobs framework: the Chronos API on its port (4400 by default, Chronos's old
// default), state in SQLite — or, with `zk`, in ZooKeeper with leader election among several
// instances (reference §2.8): each instance contends under `<zk path>/jobs/leader` (Mesos's
// `json.info_` layout, the instance's address in the MasterInfo); the leader loads the store,
// subscribes to Mesos with the stored framework id and schedules; standbys proxy the API to it.
// Losing leadership stops scheduling at once (the contender says so before ZooKeeper can elect
// another), and the instance contends again as a standby.
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { ZkContender } from "../../master/election/contender.ts";
import { ZkDetector } from "../../zk/detector.ts";
import { makeMasterInfo, masterInfoUrl } from "../../zk/master-info.ts";
import { parseZkUrl, type ZkUrl } from "../../zk/url.ts";
import { type HttpCredentials, servicesAuthentication } from "../services/api-auth.ts";
import { JobsApi } from "./api.ts";
import { JobsHttpServer } from "./api-http.ts";
import { type JobStore, SqliteJobStore } from "./job-store.ts";
import { connectJobs, JOBS_ROLE, JobsAdapter } from "./jobs-adapter.ts";
import { JobsState } from "./jobs-state.ts";
import { scheduleModule } from "./schedule/index.ts";
import { jobsZkRoot, ZkJobStore } from "./zk-job-store.ts";

export const JOBS_DEFAULT_PORT = 4400;
/** How long a leader that could not load its store waits before it tries again. */
export const STORE_RELOAD_DELAY_MS = 1_000;

export interface StartJobsOptions {
  /** Master URL (http://127.0.0.1:5050) or zk://… */
  readonly master: string;
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly httpPort: number;
  readonly host?: string;
  /** The framework's role ("jobs" unless given). */
  readonly role?: string;
  /** `zk://host:port,.../path`: state in ZooKeeper, leader election among instances. */
  readonly zk?: string;
  /** The user tasks run as when a job names no runAsUser (Chronos's `--user`). */
  readonly user?: string;
  /** Chronos's `--failure_retry` in ms (60 s). */
  readonly failureRetryMs?: number;
  /** Chronos's `--http_credentials user:pass`: Basic authentication on the whole API. */
  readonly httpCredentials?: HttpCredentials;
  readonly httpRealm?: string;
  /** `--mesos_authentication_principal` and its secret: how the framework logs in to the master. */
  readonly mesosCredential?: { readonly principal: string; readonly secret: string };
}

export interface RunningJobs {
  readonly url: string;
  /** The state while this instance leads. */
  state(): JobsState | undefined;
  leading(): boolean;
  close(): Promise<void>;
}

interface Leading {
  readonly state: JobsState;
  readonly api: JobsApi;
  readonly store: JobStore;
  stop(): Promise<void>;
}

const reloadPause = () =>
  new Promise<void>((resolve) => setTimeout(resolve, STORE_RELOAD_DELAY_MS));

/**
 * The leader a standby's API forwards to, unless that is this instance itself: elected but
 * (re)loading its store, it would forward to itself, and each such request again (thousands
 * of sockets a second, seen in the nemesis). Undefined: "no leader serving yet, retry".
 */
function otherLeader(selfUrl: string, detected: string | undefined): string | undefined {
  return detected === selfUrl ? undefined : detected;
}

/** This instance leads with `store`: the engine, its API and its connection to the master. */
function leadWith(
  store: JobStore,
  options: StartJobsOptions,
  self: { readonly role: string; readonly user: string; readonly selfUrl: string },
): Leading {
  const { role, user, selfUrl } = self;
  const state = new JobsState({
    store,
    schedules: scheduleModule,
    role,
    ...(options.failureRetryMs === undefined ? {} : { failureRetryMs: options.failureRetryMs }),
  });
  const adapter = new JobsAdapter(state, Date.now, role);
  const api = new JobsApi({
    state,
    nowMs: Date.now,
    effects: (effects) => void adapter.apply(effects),
    leader: () => selfUrl.replace(/^https?:\/\//, ""),
  });
  const connection = connectJobs(adapter, options.master, user, selfUrl, options.mesosCredential);
  return {
    state,
    api,
    store,
    async stop() {
      await connection.stop();
      store.close();
    },
  };
}

export async function startJobs(options: StartJobsOptions): Promise<RunningJobs> {
  const host = options.host ?? "127.0.0.1";
  const role = options.role ?? JOBS_ROLE;
  // Tasks of jobs without runAsUser run as the framework's user (Mesos's rule for CommandInfo).
  const user = options.user ?? userInfo().username;
  let leading: Leading | undefined;
  let selfUrl = "";
  let leaderUrl: () => string | undefined = () => selfUrl;
  const http = new JobsHttpServer(
    {
      api: () => leading?.api,
      durable: () => leading?.store.durable() ?? Promise.resolve(),
      leaderUrl: () => (leading !== undefined ? selfUrl : otherLeader(selfUrl, leaderUrl())),
    },
    options.httpCredentials === undefined
      ? undefined
      : servicesAuthentication(options.httpCredentials, options.httpRealm),
  );
  const address = await http.listen(options.httpPort, host);
  selfUrl = `http://${address.host}:${address.port}`;

  const lead = (store: JobStore): Leading => leadWith(store, options, { role, user, selfUrl });

  if (options.zk === undefined) {
    leading = lead(new SqliteJobStore(options.dataDir));
    return {
      url: selfUrl,
      state: () => leading?.state,
      leading: () => leading !== undefined,
      async close() {
        await leading?.stop();
        leading = undefined;
        await http.close();
      },
    };
  }

  const parsed = parseZkUrl(options.zk);
  if (!parsed.ok) {
    await http.close();
    throw new Error(`--zk: ${parsed.error.message}`);
  }
  const electionUrl: ZkUrl = { ...parsed.url, path: `${jobsZkRoot(parsed.url)}/leader` };
  const detector = new ZkDetector({ url: electionUrl });
  leaderUrl = () => {
    const info = detector.current();
    return info === undefined ? undefined : masterInfoUrl(info);
  };
  const contender = new ZkContender({
    url: electionUrl,
    masterInfo: makeMasterInfo({ id: randomUUID(), ip: address.host, port: address.port }),
  });
  // Leadership changes are handled one at a time, in order.
  let transitions: Promise<void> = Promise.resolve();
  let closed = false;
  /** While this instance leads: loads the store (again, until it loads) and leads with it. */
  const takeOffice = (): void => {
    transitions = transitions.then(async () => {
      while (!closed && contender.leading) {
        try {
          const store = await ZkJobStore.open(parsed.url);
          if (closed || !contender.leading) return store.close();
          leading = lead(store);
          void store.failed.then((error) => renew(store, error));
          return;
        } catch (error) {
          // ZooKeeper is in trouble; the contender says when the leadership is gone with it.
          process.stderr.write(`tessera jobs: cannot load the store: ${String(error)}\n`);
          await reloadPause();
        }
      }
    });
  };
  // A write ZooKeeper did not take (CONNECTION_LOSS: its outcome unknown) poisons the store:
  // nothing more becomes durable, so nothing is launched or acknowledged again. Still leading,
  // the term starts afresh: the store is loaded from ZooKeeper (the truth), the framework
  // re-subscribes and reconciles, and the updates left unacknowledged come again.
  const renew = (store: ZkJobStore, error: Error): void => {
    if (closed || leading?.store !== store) return;
    process.stderr.write(`tessera jobs: ${error.message}: loading the store afresh\n`);
    const was = leading;
    leading = undefined;
    // A pause before the next term: a store that fails at once again (ZooKeeper still in
    // trouble) would otherwise start terms back to back, each with a new ZooKeeper client and
    // scheduler connection, thousands of sockets a second (the nemesis harness ran out of
    // file descriptors).
    transitions = transitions
      .then(() => was.stop())
      .catch(() => undefined)
      .then(reloadPause);
    takeOffice();
  };
  contender.contend((event) => {
    if (event.type === "elected") {
      takeOffice();
    } else if (event.type === "lost") {
      const was = leading;
      leading = undefined; // stops serving as leader before the listener returns
      const stopping = was?.stop(); // clears the tick and drops the client at once
      transitions = transitions.then(() => stopping).catch(() => undefined);
    }
  });
  return {
    url: selfUrl,
    state: () => leading?.state,
    leading: () => leading !== undefined,
    async close() {
      closed = true;
      const was = leading;
      leading = undefined;
      await transitions.catch(() => undefined);
      await was?.stop();
      await contender.withdraw();
      await detector.close();
      await http.close();
    },
  };
}
