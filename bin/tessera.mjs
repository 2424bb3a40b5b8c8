#!/usr/bin/env node
// The `tessera` command. Sources are TypeScript; tsx compiles them on the fly so that
// `npx tessera` works straight after `npm install`, with no build step.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
