// Container resource usage as reported by the agent (`/monitor/statistics`, GET_CONTAINERS,
// reference §2.11). Everything but `timestamp` is optional: each isolator fills what it measures.
import { z } from "zod";
import { ContainerID, Labels, TaskID } from "./ids.ts";
import { double, repeated, str, uint32, uint64 } from "./json.ts";
import { DiskInfo, Resource } from "./resource.ts";
import { ExecutorInfo } from "./task.ts";

export const DiskStatistics = z.object({
  source: DiskInfo.shape.source,
  persistence: DiskInfo.shape.persistence,
  limit_bytes: uint64.optional(),
  used_bytes: uint64.optional(),
});
export type DiskStatistics = z.output<typeof DiskStatistics>;

// Detailed kernel statistics (blkio, perf, traffic control, SNMP) are carried through as
// opaque objects: nothing in Tessera reads them, and they are large.
const opaque = z.looseObject({});

export const ResourceStatistics = z.object({
  // Seconds since the epoch.
  timestamp: double,
  processes: uint32.optional(),
  threads: uint32.optional(),

  cpus_user_time_secs: double.optional(),
  cpus_system_time_secs: double.optional(),
  // Number of CPUs the container is allowed (its cpu share / quota).
  cpus_limit: double.optional(),
  cpus_soft_limit: double.optional(),
  cpus_nr_periods: uint32.optional(),
  cpus_nr_throttled: uint32.optional(),
  cpus_throttled_time_secs: double.optional(),

  mem_total_bytes: uint64.optional(),
  mem_total_memsw_bytes: uint64.optional(),
  mem_limit_bytes: uint64.optional(),
  mem_soft_limit_bytes: uint64.optional(),
  mem_file_bytes: uint64.optional(),
  mem_anon_bytes: uint64.optional(),
  mem_cache_bytes: uint64.optional(),
  mem_rss_bytes: uint64.optional(),
  mem_mapped_file_bytes: uint64.optional(),
  mem_swap_bytes: uint64.optional(),
  mem_unevictable_bytes: uint64.optional(),
  mem_low_pressure_counter: uint64.optional(),
  mem_medium_pressure_counter: uint64.optional(),
  mem_critical_pressure_counter: uint64.optional(),
  mem_kmem_usage_bytes: uint64.optional(),
  mem_kmem_tcp_usage_bytes: uint64.optional(),

  disk_limit_bytes: uint64.optional(),
  disk_used_bytes: uint64.optional(),
  disk_statistics: repeated(DiskStatistics),
  blkio_statistics: opaque.optional(),
  perf: opaque.optional(),

  net_rx_packets: uint64.optional(),
  net_rx_bytes: uint64.optional(),
  net_rx_errors: uint64.optional(),
  net_rx_dropped: uint64.optional(),
  net_tx_packets: uint64.optional(),
  net_tx_bytes: uint64.optional(),
  net_tx_errors: uint64.optional(),
  net_tx_dropped: uint64.optional(),
  net_tx_rate_limit: uint64.optional(),
  net_tx_burst_rate_limit: uint64.optional(),
  net_tx_burst_size: uint64.optional(),
  net_rx_rate_limit: uint64.optional(),
  net_rx_burst_rate_limit: uint64.optional(),
  net_rx_burst_size: uint64.optional(),
  net_tcp_rtt_microsecs_p50: double.optional(),
  net_tcp_rtt_microsecs_p90: double.optional(),
  net_tcp_rtt_microsecs_p95: double.optional(),
  net_tcp_rtt_microsecs_p99: double.optional(),
  net_tcp_active_connections: double.optional(),
  net_tcp_time_wait_connections: double.optional(),
  net_traffic_control_statistics: repeated(opaque),
  net_snmp_statistics: opaque.optional(),
});
export type ResourceStatistics = z.output<typeof ResourceStatistics>;

export const ResourceUsage = z.object({
  executors: repeated(
    z.object({
      executor_info: ExecutorInfo,
      allocated: repeated(Resource),
      statistics: ResourceStatistics.optional(),
      container_id: ContainerID,
      tasks: repeated(
        z.object({
          name: str,
          id: TaskID,
          resources: repeated(Resource),
          labels: Labels.optional(),
        }),
      ),
    }),
  ),
  total: repeated(Resource),
});
export type ResourceUsage = z.output<typeof ResourceUsage>;
