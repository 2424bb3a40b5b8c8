// Secret, Image and Volume of mesos.proto (reference §2.8). They are parts of ContainerInfo
// (re-exported by task.ts) but also of Resource's DiskInfo, so they sit below both files to
// keep the module graph free of cycles.
import { z } from "zod";
import { enumNames } from "./enum-numbers.ts";
import { Labels, Parameters } from "./ids.ts";
import { bool, bytes, optionalEnum, protoEnum, str } from "./json.ts";
import { message } from "./proto-message.ts";

export const SECRET_TYPES = enumNames({ UNKNOWN: 0, REFERENCE: 1, VALUE: 2 });

export const Secret = message(
  {
    type: optionalEnum(SECRET_TYPES),
    reference: message({ name: str, key: str.optional() }, { name: 1, key: 2 }).optional(),
    value: message({ data: bytes }, { data: 1 }).optional(),
  },
  { type: 1, reference: 2, value: 3 },
);
export type Secret = z.output<typeof Secret>;

export const IMAGE_TYPES = enumNames({ APPC: 1, DOCKER: 2 });

export const Image = message(
  {
    type: protoEnum(IMAGE_TYPES),
    appc: message(
      { name: str, id: str.optional(), labels: Labels.optional() },
      { name: 1, id: 2, labels: 3 },
    ).optional(),
    docker: message(
      {
        name: str,
        // Deprecated in favour of `config`; still accepted.
        credential: message(
          { principal: str, secret: str.optional() },
          { principal: 1, secret: 2 },
        ).optional(),
        config: Secret.optional(),
      },
      { name: 1, credential: 2, config: 3 },
    ).optional(),
    cached: bool.default(true),
  },
  { type: 1, appc: 2, docker: 3, cached: 4 },
);
export type Image = z.output<typeof Image>;

export const VOLUME_SOURCE_TYPES = enumNames({
  UNKNOWN: 0,
  DOCKER_VOLUME: 1,
  HOST_PATH: 4,
  SANDBOX_PATH: 2,
  SECRET: 3,
  CSI_VOLUME: 5,
});

const MountPropagation = message(
  {
    mode: optionalEnum(enumNames({ UNKNOWN: 0, HOST_TO_CONTAINER: 1, BIDIRECTIONAL: 2 })),
  },
  { mode: 1 },
);

const CsiVolume = message(
  {
    plugin_name: str,
    static_provisioning: message(
      {
        volume_id: str,
        // A CSI spec message (csi.v1.VolumeCapability): carried through, not interpreted here.
        volume_capability: z.looseObject({}),
        volume_context: z.record(z.string(), str).optional(),
        node_stage_secrets: z.record(z.string(), Secret).optional(),
        node_publish_secrets: z.record(z.string(), Secret).optional(),
      },
      {
        volume_id: 1,
        volume_capability: 2,
        volume_context: 5,
        node_stage_secrets: 3,
        node_publish_secrets: 4,
      },
    ).optional(),
  },
  { plugin_name: 1, static_provisioning: 2 },
);

export const VolumeSource = message(
  {
    type: optionalEnum(VOLUME_SOURCE_TYPES),
    docker_volume: message(
      { driver: str.optional(), name: str, driver_options: Parameters.optional() },
      { driver: 1, name: 2, driver_options: 3 },
    ).optional(),
    host_path: message(
      { path: str, mount_propagation: MountPropagation.optional() },
      { path: 1, mount_propagation: 2 },
    ).optional(),
    sandbox_path: message(
      { type: optionalEnum(enumNames({ UNKNOWN: 0, SELF: 1, PARENT: 2 })), path: str },
      { type: 1, path: 2 },
    ).optional(),
    secret: Secret.optional(),
    csi_volume: CsiVolume.optional(),
  },
  { type: 1, docker_volume: 2, host_path: 5, sandbox_path: 3, secret: 4, csi_volume: 6 },
);
export type VolumeSource = z.output<typeof VolumeSource>;

export const Volume = message(
  {
    mode: protoEnum(enumNames({ RW: 1, RO: 2 })),
    container_path: str,
    host_path: str.optional(),
    image: Image.optional(),
    source: VolumeSource.optional(),
  },
  { mode: 3, container_path: 1, host_path: 2, image: 4, source: 5 },
);
export type Volume = z.output<typeof Volume>;
