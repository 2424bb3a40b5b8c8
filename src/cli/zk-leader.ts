// What `--master zk://…` needs beyond parsing: the master's ZooKeeper detector and the URL of
// the leader it names. Its own module so that only zk:// addresses load the ZooKeeper client.
import { mesosUint32ToIpv4 } from "../master/election/master-info.ts";
import type { MasterInfo } from "../wire/framework.ts";

export { ZkDetector } from "../master/election/detector.ts";

/** The URL of a master described by its MasterInfo (address first, then the uint32 ip). */
export function masterInfoUrl(info: MasterInfo): string {
  const host = info.address?.ip ?? info.address?.hostname ?? mesosUint32ToIpv4(info.ip);
  const port = info.address?.port ?? info.port;
  return `http://${host}:${port}`;
}
