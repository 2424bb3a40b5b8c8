// The error startAgent throws for a bad start (see src/base/process-start.ts).
import { StartError } from "../base/process-start.ts";

export class AgentStartError extends StartError {}
