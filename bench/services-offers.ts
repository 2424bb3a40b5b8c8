// The simulated agents' offers of the services benches: one agent's whole size, ports
// 31000-32000, parsed with the wire schema as the framework would receive it.
import { parseWire } from "../src/wire/json.ts";
import { type Offer, Offer as OfferSchema } from "../src/wire/offer.ts";

export function agentOffer(agent: number, round: number, cpus: number, memMb: number): Offer {
  const parsed = parseWire(OfferSchema, {
    id: { value: `O${round}-${agent}` },
    framework_id: { value: "fw" },
    agent_id: { value: `S${agent}` },
    hostname: `agent${agent}`,
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: cpus } },
      { name: "mem", type: "SCALAR", scalar: { value: memMb } },
      { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 32000 }] } },
    ],
  });
  if (!parsed.ok) throw new Error("bad offer");
  return parsed.value;
}
