// Leader election (reference §5.8, §7): standalone or ZooKeeper. Leader detection, the
// ZooKeeper session, URLs and MasterInfo they use are in src/zk.
export { ZkContender, type ZkContenderOptions } from "./contender.ts";
export type { ContenderEvent, ContenderListener, LeaderContender, LostReason } from "./election.ts";
export { StandaloneContender, StandaloneDetector } from "./standalone.ts";
