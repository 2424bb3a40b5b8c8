// The scenarios of scheduler-flow.test.ts again, every scheduler and operator call and event in
// application/x-protobuf (helpers.ts switches on TESSERA_TEST_WIRE, read when it loads).
process.env.TESSERA_TEST_WIRE = "protobuf";
await import("./scheduler-flow.test.ts");
