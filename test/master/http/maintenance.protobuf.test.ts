// The scenarios of maintenance.test.ts again, the operator and scheduler calls in
// application/x-protobuf (helpers.ts switches on TESSERA_TEST_WIRE, read when it loads).
process.env.TESSERA_TEST_WIRE = "protobuf";
await import("./maintenance.test.ts");
