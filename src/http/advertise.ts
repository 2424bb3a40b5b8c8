// The address a daemon tells others to reach it at. Listening on every interface (0.0.0.0),
// Mesos advertises the address its hostname resolves to; here the first non-loopback IPv4 of
// the machine stands for it, falling back to loopback on a machine that has none.
import { networkInterfaces } from "node:os";

export function advertisedIp(listenIp: string): string {
  if (listenIp !== "0.0.0.0") return listenIp;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}
