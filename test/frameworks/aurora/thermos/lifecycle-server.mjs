// A task's process for the Thermos integration test: an HTTP server on argv[2] that writes
// every request and its own SIGTERM to events.txt in its working directory (the sandbox).
// /health answers "starting" for the first argv[3] requests, then "ok" (or always argv[4]).
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";

const port = Number(process.argv[2]);
let startingLeft = Number(process.argv[3] ?? 0);
const fixed = process.argv[4];
const record = (line) => appendFileSync("events.txt", `${Date.now()} ${line}\n`);

createServer((req, res) => {
  record(`${req.method} ${req.url}`);
  if (req.url === "/health") {
    const body = fixed ?? (startingLeft-- > 0 ? "starting" : "ok");
    res.end(body);
    return;
  }
  res.end("bye");
}).listen(port, "127.0.0.1", () => record("listening"));

process.on("SIGTERM", () => {
  record("SIGTERM");
  process.exit(0);
});
