// The scenarios of operator-api-calls.test.ts again, the operator calls in application/x-protobuf
// (helpers.ts switches on TESSERA_TEST_WIRE, read when it loads).
process.env.TESSERA_TEST_WIRE = "protobuf";
await import("./operator-api-calls.test.ts");
