// Starts the services framework: state in SQLite (or ZooKeeper with `zk`), the Marathon REST API, and the Mesos
// adapter. `tessera services serve` and `tessera dev` call this. A second start on the same
// data dir resumes: the store holds the framework id (re-subscription with failover keeps the
// tasks), the apps, their versions, the deployments and the instances.
import { randomUUID } from "node:crypto";
import { parseZkUrl } from "../../zk/url.ts";
import { type AuroraOptions, type RunningAurora, startAurora } from "../aurora/start.ts";
import { type HttpCredentials, servicesAuthentication } from "./api-auth.ts";
import { ServicesHttpServer } from "./api-http.ts";
import { type AppStore, SqliteAppStore } from "./app-store.ts";
import { connectServices, SERVICES_ROLE, ServicesAdapter } from "./mesos-adapter.ts";
import { ServicesState } from "./services-state.ts";
import type { TierConfig } from "./tiers.ts";
import { ZkAppStore } from "./zk-app-store.ts";

export interface StartServicesOptions {
  /** Master URL, e.g. http://127.0.0.1:5050. */
  readonly master: string;
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly httpPort: number;
  readonly host?: string;
  /** The framework's role, also the default role of apps ("services" unless given). */
  readonly role?: string;
  /** `zk://host:port,.../path`: keep the state in ZooKeeper (HA clusters) instead of SQLite. */
  readonly zk?: string;
  /** Marathon's `--http_credentials user:pass`: Basic authentication on the whole API. */
  readonly httpCredentials?: HttpCredentials;
  /** Marathon's `--http_realm` (default Mesosphere). */
  readonly httpRealm?: string;
  /** `--mesos_authentication_principal` and its secret: how the framework logs in to the master. */
  readonly mesosCredential?: { readonly principal: string; readonly secret: string };
  /** Aurora's tiers (`--tiers`); Aurora's default tiers.json when not given. */
  readonly tiers?: TierConfig;
  /** `--preemption_delay_seconds` (3 min) and `--preemption_slot_hold_seconds` (5 min). */
  readonly preemptionDelayMs?: number;
  readonly slotHoldMs?: number;
  /** Serve the Aurora API too, on its own port (src/frameworks/aurora). */
  readonly aurora?: AuroraOptions;
  /** More Mesos roles to subscribe with (Aurora jobs' roles). */
  readonly extraRoles?: readonly string[];
}

export interface RunningServices {
  readonly url: string;
  readonly state: ServicesState;
  readonly role: string;
  /** The Aurora API's URL, when started. */
  readonly auroraUrl?: string;
  close(): Promise<void>;
}

export async function startServices(options: StartServicesOptions): Promise<RunningServices> {
  const role = options.role ?? SERVICES_ROLE;
  let store: AppStore;
  let durable: (() => Promise<void>) | undefined;
  if (options.zk === undefined) {
    store = new SqliteAppStore(options.dataDir);
  } else {
    const parsed = parseZkUrl(options.zk);
    if (!parsed.ok) throw new Error(`--zk: ${parsed.error.message}`);
    const zkStore = await ZkAppStore.open(parsed.url);
    store = zkStore;
    durable = () => zkStore.durable();
  }
  const state = new ServicesState({
    store,
    newId: randomUUID,
    ...(options.tiers === undefined ? {} : { tiers: options.tiers }),
    ...(options.preemptionDelayMs === undefined
      ? {}
      : { preemptionDelayMs: options.preemptionDelayMs }),
    ...(options.slotHoldMs === undefined ? {} : { slotHoldMs: options.slotHoldMs }),
  });
  const adapter = new ServicesAdapter({
    state,
    nowMs: Date.now,
    role,
    ...(options.extraRoles === undefined ? {} : { extraRoles: options.extraRoles }),
  });
  const http = new ServicesHttpServer({
    state,
    nowMs: Date.now,
    role,
    master: options.master,
    ...(options.zk === undefined ? {} : { zk: options.zk }),
    effects: (effects) => adapter.apply(effects),
    ...(durable === undefined ? {} : { durable }),
    beforeChange: () => adapter.refreshQuotas(),
    ...(options.httpCredentials === undefined
      ? {}
      : { authenticate: servicesAuthentication(options.httpCredentials, options.httpRealm) }),
  });
  const address = await http.listen(options.httpPort, options.host ?? "127.0.0.1");
  const url = `${address.scheme}://${address.host}:${address.port}`;
  const connection = connectServices(adapter, state, options.master, options.mesosCredential, url);
  let aurora: RunningAurora | undefined;
  if (options.aurora !== undefined) {
    aurora = await startAurora({
      options: options.aurora,
      host: options.host ?? "127.0.0.1",
      services: http.api,
      state,
      masterUrl: () => (options.master.startsWith("http") ? options.master : undefined),
      ...(durable === undefined ? {} : { durable }),
      ...(options.httpCredentials === undefined
        ? {}
        : { authenticate: servicesAuthentication(options.httpCredentials, options.httpRealm) }),
    });
  }
  return {
    url,
    state,
    role,
    ...(aurora === undefined ? {} : { auroraUrl: aurora.url }),
    async close() {
      await aurora?.close();
      await connection.stop();
      await http.close();
      store.close();
    },
  };
}
