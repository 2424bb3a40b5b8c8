// The Mesos release whose v1 APIs Tessera speaks: a constant with no I/O, so that the pure
// cores can put it on the wire (an agent reports it as its version, as a Mesos agent reports
// MESOS_VERSION). src/base/version.ts re-exports it beside Tessera's own release.

/** The Mesos release whose v1 APIs Tessera speaks; clients compare against this. */
export const MESOS_COMPATIBLE_VERSION = "1.11.0";
