// Leader election and detection (reference §5.8, §7): standalone or ZooKeeper. The ZooKeeper
// session, URLs and MasterInfo they use are in src/zk.
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
export { StandaloneContender, StandaloneDetector } from "./standalone.ts";
export { leaderCandidacy, MASTER_ZNODE_PREFIX, parseCandidacy } from "./zk-layout.ts";
