// Leader election and detection (reference §5.8, §7): standalone or ZooKeeper.
export { ZkContender, type ZkContenderOptions } from "./contender.ts";
export { ZkDetector, type ZkDetectorOptions } from "./detector.ts";
export type {
  ContenderEvent,
  ContenderListener,
  DetectorListener,
  LeaderContender,
  LeaderDetector,
  LostReason,
} from "./election.ts";
export { sameLeader } from "./election.ts";
export {
  decodeMasterInfo,
  encodeMasterInfo,
  ipv4ToMesosUint32,
  MASTER_CAPABILITIES,
  type MasterIdentity,
  makeMasterInfo,
  masterInfoUrl,
  mesosUint32ToIpv4,
} from "./master-info.ts";
export { StandaloneContender, StandaloneDetector } from "./standalone.ts";
export { leaderCandidacy, MASTER_ZNODE_PREFIX, parseCandidacy } from "./zk-layout.ts";
export { DEFAULT_ZK_SESSION_TIMEOUT_MS, LEASE_FRACTION, ZkError, ZkSession } from "./zk-session.ts";
export {
  connectString,
  DEFAULT_ZK_PORT,
  formatZkUrl,
  parseZkUrl,
  resolveZkUrl,
  type ZkServer,
  type ZkUrl,
  type ZkUrlErrorCode,
  type ZkUrlResult,
} from "./zk-url.ts";
