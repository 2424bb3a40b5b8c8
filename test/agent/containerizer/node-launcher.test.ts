// The containerizer's tests again, with containers started by the Node helper and its
// sh/unshare/setpriv wrappers: the path an agent takes where the native launcher cannot be
// built (no C compiler). Each file registers its tests when imported.
process.env.TESSERA_TEST_LAUNCHER = "node";
await import("./posix-containerizer.test.ts");
await import("./cgroups-containerizer.test.ts");
await import("./namespaces-recover.test.ts");
await import("./task-hardening.test.ts");
