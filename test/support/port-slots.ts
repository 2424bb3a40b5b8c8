// Host port slots for the real clusters of test files that run in parallel processes. Each
// cluster's agents offer the ports of one slot, and its tasks (HTTP servers) bind them: two
// clusters offering the same ports break each other — a task that finds its port taken exits
// (EADDRINUSE, a relaunch), and meanwhile its health check is answered by the other cluster's
// server, so instances look healthy and are lost right after. A slot is held by a listening
// socket on its last port, which the kernel frees when the holder dies: no lock file can go
// stale, and a port some other program uses is never handed out.
import { createServer, type Server } from "node:net";

export const SLOT_BASE_PORT = 20_000;
export const SLOT_PORTS = 100;
/** Slots end below 31000: 31000-32000 is the Mesos default range other tests' agents offer. */
export const SLOT_COUNT = 110;

export interface PortSlot {
  /** First port of the slot; the ports before `lockPort` are free for agents to offer. */
  readonly base: number;
  /** The slot's last port, held until release. */
  readonly lockPort: number;
  release(): Promise<void>;
}

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => resolve(server));
  });
}

/** Claims a free slot, trying from one derived from `start` (the pid spreads the first tries). */
export async function claimPortSlot(start = process.pid): Promise<PortSlot> {
  for (let k = 0; k < SLOT_COUNT; k++) {
    const base = SLOT_BASE_PORT + ((start + k) % SLOT_COUNT) * SLOT_PORTS;
    const lockPort = base + SLOT_PORTS - 1;
    const server = await listen(lockPort);
    if (server === undefined) continue; // held by another cluster (or another program)
    server.unref(); // a cluster left open must not keep its test process alive
    return {
      base,
      lockPort,
      release: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
  throw new Error(`all ${SLOT_COUNT} port slots from ${SLOT_BASE_PORT} are held`);
}
