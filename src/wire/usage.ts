// Container resource usage as reported by the agent (`/monitor/statistics`, GET_CONTAINERS,
// reference §2.11). Everything but `timestamp` is optional: each isolator fills what it measures.
import { z } from "zod";
import { ContainerID, Labels, TaskID } from "./ids.ts";
import { double, repeated, str, uint32, uint64 } from "./json.ts";
import { message } from "./proto-message.ts";
import { DiskInfo, Resource } from "./resource.ts";
import { ExecutorInfo } from "./task.ts";

export const DiskStatistics = message(
  {
    source: DiskInfo.shape.source,
    persistence: DiskInfo.shape.persistence,
    limit_bytes: uint64.optional(),
    used_bytes: uint64.optional(),
  },
  { source: 1, persistence: 2, limit_bytes: 3, used_bytes: 4 },
);
export type DiskStatistics = z.output<typeof DiskStatistics>;

// Detailed kernel statistics (blkio, perf, traffic control, SNMP) are carried through as
// opaque objects: nothing in Tessera reads them, and they are large.
const opaque = z.looseObject({});

export const ResourceStatistics = message(
  {
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
  },
  {
    timestamp: 1,
    processes: 30,
    threads: 31,
    cpus_user_time_secs: 2,
    cpus_system_time_secs: 3,
    cpus_limit: 4,
    cpus_soft_limit: 45,
    cpus_nr_periods: 7,
    cpus_nr_throttled: 8,
    cpus_throttled_time_secs: 9,
    mem_total_bytes: 36,
    mem_total_memsw_bytes: 37,
    mem_limit_bytes: 6,
    mem_soft_limit_bytes: 38,
    mem_file_bytes: 10,
    mem_anon_bytes: 11,
    mem_cache_bytes: 39,
    mem_rss_bytes: 5,
    mem_mapped_file_bytes: 12,
    mem_swap_bytes: 40,
    mem_unevictable_bytes: 41,
    mem_low_pressure_counter: 32,
    mem_medium_pressure_counter: 33,
    mem_critical_pressure_counter: 34,
    mem_kmem_usage_bytes: 52,
    mem_kmem_tcp_usage_bytes: 53,
    disk_limit_bytes: 26,
    disk_used_bytes: 27,
    disk_statistics: 43,
    blkio_statistics: 44,
    perf: 13,
    net_rx_packets: 14,
    net_rx_bytes: 15,
    net_rx_errors: 16,
    net_rx_dropped: 17,
    net_tx_packets: 18,
    net_tx_bytes: 19,
    net_tx_errors: 20,
    net_tx_dropped: 21,
    net_tx_rate_limit: 46,
    net_tx_burst_rate_limit: 47,
    net_tx_burst_size: 48,
    net_rx_rate_limit: 49,
    net_rx_burst_rate_limit: 50,
    net_rx_burst_size: 51,
    net_tcp_rtt_microsecs_p50: 22,
    net_tcp_rtt_microsecs_p90: 23,
    net_tcp_rtt_microsecs_p95: 24,
    net_tcp_rtt_microsecs_p99: 25,
    net_tcp_active_connections: 28,
    net_tcp_time_wait_connections: 29,
    net_traffic_control_statistics: 35,
    net_snmp_statistics: 42,
  },
);
export type ResourceStatistics = z.output<typeof ResourceStatistics>;

export const ResourceUsage = message(
  {
    executors: repeated(
      message(
        {
          executor_info: ExecutorInfo,
          allocated: repeated(Resource),
          statistics: ResourceStatistics.optional(),
          container_id: ContainerID,
          tasks: repeated(
            message(
              {
                name: str,
                id: TaskID,
                resources: repeated(Resource),
                labels: Labels.optional(),
              },
              { name: 1, id: 2, resources: 3, labels: 4 },
            ),
          ),
        },
        { executor_info: 1, allocated: 2, statistics: 3, container_id: 4, tasks: 5 },
      ),
    ),
    total: repeated(Resource),
  },
  { executors: 1, total: 2 },
);
export type ResourceUsage = z.output<typeof ResourceUsage>;
