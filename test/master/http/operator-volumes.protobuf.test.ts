// The scenarios of operator-volumes.test.ts again, the operator calls in application/x-protobuf
// (helpers.ts switches on TESSERA_TEST_WIRE, read when it loads).
process.env.TESSERA_TEST_WIRE = "protobuf";
await import("./operator-volumes.test.ts");
