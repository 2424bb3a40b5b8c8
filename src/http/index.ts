// The HTTP shell layer shared by the master, the agent and the frameworks' APIs. Public API:
// - HttpServer: route table (each route at `<prefix>/<name>` and `/<name>`; prefix routes serve
//   the paths below them too), guards, 405 + Allow, body limit (413), gzip for complete
//   responses, graceful close that ends open streams.
// - v1 request checks: checkContentType, negotiateAccept, parseJsonBody, convertCall, readV1Call.
// - Leadership: checkLeader / leaderGuard (307 with protocol-relative Location, 503s).
// - EventStream (RecordIO responses: Mesos-Stream-Id, heartbeats, slow-consumer limit, onClose)
//   and SseStream (Server-Sent Events: `event:`/`data:` lines, the same backlog limit).
// - Responses: response, textResponse, jsonResponse, streamReply, sseReply, failureResponse.
// - Client: postCall, subscribe (async iterator of events), request (any method).
// - MetricsRegistry and the common endpoints (/version, /health, /metrics/snapshot, /metrics).

export * from "./client.ts";
export * from "./endpoints.ts";
export * from "./event-stream.ts";
export * from "./leader.ts";
export * from "./metrics.ts";
export * from "./response.ts";
export * from "./route-table.ts";
export * from "./server.ts";
export * from "./sse-stream.ts";
export * from "./v1-request.ts";
