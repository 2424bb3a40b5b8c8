// Starts the services framework: SQLite-backed state, the Marathon REST API, and the Mesos
// adapter. `tessera services serve` and `tessera dev` call this.
import { randomUUID } from "node:crypto";
import { ServicesHttpServer } from "./api-http.ts";
import { SqliteAppStore } from "./app-store.ts";
import { connectServices, ServicesAdapter } from "./mesos-adapter.ts";
import { ServicesState } from "./services-state.ts";

export interface StartServicesOptions {
  /** Master URL, e.g. http://127.0.0.1:5050. */
  readonly master: string;
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly httpPort: number;
  readonly host?: string;
}

export interface RunningServices {
  readonly url: string;
  readonly state: ServicesState;
  close(): Promise<void>;
}

export async function startServices(options: StartServicesOptions): Promise<RunningServices> {
  const store = new SqliteAppStore(options.dataDir);
  const state = new ServicesState({ store, newId: randomUUID });
  const adapter = new ServicesAdapter({ state, nowMs: Date.now });
  const http = new ServicesHttpServer({
    state,
    nowMs: Date.now,
    effects: (effects) => adapter.apply(effects),
  });
  const address = await http.listen(options.httpPort, options.host ?? "127.0.0.1");
  const connection = connectServices(adapter, state, options.master);
  return {
    url: `http://${address.host}:${address.port}`,
    state,
    async close() {
      await connection.stop();
      await http.close();
      store.close();
    },
  };
}
