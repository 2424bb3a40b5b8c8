// Starts the services framework: SQLite-backed state, the Marathon REST API, and the Mesos
// adapter. `tessera services serve` and `tessera dev` call this. A second start on the same
// data dir resumes: the store holds the framework id (re-subscription with failover keeps the
// tasks), the apps, their versions, the deployments and the instances.
import { randomUUID } from "node:crypto";
import { ServicesHttpServer } from "./api-http.ts";
import { SqliteAppStore } from "./app-store.ts";
import { connectServices, SERVICES_ROLE, ServicesAdapter } from "./mesos-adapter.ts";
import { ServicesState } from "./services-state.ts";

export interface StartServicesOptions {
  /** Master URL, e.g. http://127.0.0.1:5050. */
  readonly master: string;
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly httpPort: number;
  readonly host?: string;
  /** The framework's role, also the default role of apps ("services" unless given). */
  readonly role?: string;
}

export interface RunningServices {
  readonly url: string;
  readonly state: ServicesState;
  readonly role: string;
  close(): Promise<void>;
}

export async function startServices(options: StartServicesOptions): Promise<RunningServices> {
  const role = options.role ?? SERVICES_ROLE;
  const store = new SqliteAppStore(options.dataDir);
  const state = new ServicesState({ store, newId: randomUUID });
  const adapter = new ServicesAdapter({ state, nowMs: Date.now, role });
  const http = new ServicesHttpServer({
    state,
    nowMs: Date.now,
    role,
    effects: (effects) => adapter.apply(effects),
  });
  const address = await http.listen(options.httpPort, options.host ?? "127.0.0.1");
  const connection = connectServices(adapter, state, options.master);
  return {
    url: `http://${address.host}:${address.port}`,
    state,
    role,
    async close() {
      await connection.stop();
      await http.close();
      store.close();
    },
  };
}
