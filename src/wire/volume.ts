// Secret, Image and Volume of mesos.proto (reference §2.8). They are parts of ContainerInfo
// (re-exported by task.ts) but also of Resource's DiskInfo, so they sit below both files to
// keep the module graph free of cycles.
import { z } from "zod";
import { Labels, Parameters } from "./ids.ts";
import { bool, bytes, optionalEnum, protoEnum, str } from "./json.ts";

export const SECRET_TYPES = ["UNKNOWN", "REFERENCE", "VALUE"] as const;

export const Secret = z.object({
  type: optionalEnum(SECRET_TYPES),
  reference: z.object({ name: str, key: str.optional() }).optional(),
  value: z.object({ data: bytes }).optional(),
});
export type Secret = z.output<typeof Secret>;

export const IMAGE_TYPES = ["APPC", "DOCKER"] as const;

export const Image = z.object({
  type: protoEnum(IMAGE_TYPES),
  appc: z.object({ name: str, id: str.optional(), labels: Labels.optional() }).optional(),
  docker: z
    .object({
      name: str,
      // Deprecated in favour of `config`; still accepted.
      credential: z.object({ principal: str, secret: str.optional() }).optional(),
      config: Secret.optional(),
    })
    .optional(),
  cached: bool.default(true),
});
export type Image = z.output<typeof Image>;

export const VOLUME_SOURCE_TYPES = [
  "UNKNOWN",
  "DOCKER_VOLUME",
  "HOST_PATH",
  "SANDBOX_PATH",
  "SECRET",
  "CSI_VOLUME",
] as const;

const MountPropagation = z.object({
  mode: optionalEnum(["UNKNOWN", "HOST_TO_CONTAINER", "BIDIRECTIONAL"] as const),
});

const CsiVolume = z.object({
  plugin_name: str,
  static_provisioning: z
    .object({
      volume_id: str,
      // A CSI spec message (csi.v1.VolumeCapability): carried through, not interpreted here.
      volume_capability: z.looseObject({}),
      readonly: bool.optional(),
      volume_context: z.record(z.string(), str).optional(),
      node_stage_secrets: z.record(z.string(), Secret).optional(),
      node_publish_secrets: z.record(z.string(), Secret).optional(),
    })
    .optional(),
});

export const VolumeSource = z.object({
  type: optionalEnum(VOLUME_SOURCE_TYPES),
  docker_volume: z
    .object({ driver: str.optional(), name: str, driver_options: Parameters.optional() })
    .optional(),
  host_path: z.object({ path: str, mount_propagation: MountPropagation.optional() }).optional(),
  sandbox_path: z
    .object({ type: optionalEnum(["UNKNOWN", "SELF", "PARENT"] as const), path: str })
    .optional(),
  secret: Secret.optional(),
  csi_volume: CsiVolume.optional(),
});
export type VolumeSource = z.output<typeof VolumeSource>;

export const Volume = z.object({
  mode: protoEnum(["RW", "RO"] as const),
  container_path: str,
  host_path: str.optional(),
  image: Image.optional(),
  source: VolumeSource.optional(),
});
export type Volume = z.output<typeof Volume>;
