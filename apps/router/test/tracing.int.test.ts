// W3C trace context through the router with spans exported over OTLP/HTTP to a loopback receiver:
// a trusted proxy's traceparent is continued, an untrusted peer's is not; the backend gets the
// router's span as its parent; the access log carries the trace id, with tracing on and off.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitUntil } from "@signalbox/bus/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendOf, endpoint, get, type TestRouter } from "./harness.js";
import { useRouterSuite } from "./router-suite.js";

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
  service: string;
}

const suite = useRouterSuite();
const dir = mkdtempSync(join(tmpdir(), "sb-tracing-"));
const received: ExportedSpan[] = [];
let receiver: Server;
let otlpUrl: string;
let trusted: TestRouter;
let untrusted: TestRouter;
let untraced: TestRouter;

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const CLIENT_TRACEPARENT = `00-${TRACE}-${PARENT}-01`;

/** An OTLP/HTTP receiver: collects the spans of every JSON export posted to /v1/traces. */
function startReceiver(): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      if (req.url === "/v1/traces" && req.headers["content-type"]?.startsWith("application/json")) {
        const payload = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue: string } }[] };
            scopeSpans: { spans: Omit<ExportedSpan, "service">[] }[];
          }[];
        };
        for (const rs of payload.resourceSpans) {
          const service =
            rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "";
          for (const ss of rs.scopeSpans) for (const span of ss.spans) received.push({ ...span, service });
        }
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const attribute = (span: ExportedSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

function logLines(file: string): Record<string, unknown>[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  } catch {
    return [];
  }
}

async function logLine(file: string, requestId: string): Promise<Record<string, unknown>> {
  let line: Record<string, unknown> | undefined;
  await waitUntil(() => {
    line = logLines(file).find((l) => l.requestId === requestId);
    return line !== undefined;
  }, `access-log line ${requestId}`);
  return line as Record<string, unknown>;
}

beforeAll(async () => {
  receiver = await startReceiver();
  otlpUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const web = await suite.backend("web");
  await suite.publish(
    [
      endpoint("trace.test", [{ selector: "" }]),
      endpoint("secure.test", [{ selector: "" }], { filters: [{ type: "redirect-https" }] }),
    ],
    [backendOf(web)],
  );
  const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl, OTEL_TRACES_SAMPLER: "parentbased_always_on" };
  trusted = await suite.harness.startRouter({
    ...traced,
    OTEL_SERVICE_NAME: "edge-trusting",
    ROUTER_TRUSTED_PROXIES: "127.0.0.1",
    ROUTER_ACCESS_LOG: join(dir, "trusted.log"),
    ROUTER_ID: "trusting",
  });
  untrusted = await suite.harness.startRouter({
    ...traced,
    OTEL_SERVICE_NAME: "edge-untrusting",
    ROUTER_ACCESS_LOG: join(dir, "untrusted.log"),
    ROUTER_ID: "untrusting",
  });
  untraced = await suite.harness.startRouter({
    ROUTER_TRUSTED_PROXIES: "127.0.0.1",
    ROUTER_ACCESS_LOG: join(dir, "untraced.log"),
    ROUTER_ID: "untraced",
  });
  const version = suite.router.tableVersion();
  await waitUntil(
    () => [trusted, untrusted, untraced].every((r) => r.tableVersion() === version),
    "every router's table",
  );
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    receiver.close(() => resolve());
    receiver.closeAllConnections();
  });
  rmSync(dir, { recursive: true, force: true });
});

const send = async (router: TestRouter, requestId: string) => {
  const answer = await get(router.url, "trace.test", {
    path: "/t",
    headers: { traceparent: CLIENT_TRACEPARENT, tracestate: "vendor=abc", "x-request-id": requestId },
  });
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.body) as { headers: Record<string, string | undefined> }).headers;
};

describe("router tracing", () => {
  it("continues a trusted proxy's trace: the backend's parent is the router's exported span", async () => {
    const headers = await send(trusted, "trace-trusted");
    const [version, traceId, spanId, flags] = (headers.traceparent ?? "").split("-");
    expect(version).toBe("00");
    expect(traceId).toBe(TRACE);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe(PARENT);
    expect(flags).toBe("01");
    expect(headers.tracestate).toBe("vendor=abc");
    expect((await logLine(join(dir, "trusted.log"), "trace-trusted")).traceId).toBe(TRACE);
    // Answers the router makes itself (a filter's redirect, a 404) are spans of the trace too.
    const redirect = await get(trusted.url, "secure.test", { headers: { traceparent: CLIENT_TRACEPARENT } });
    expect(redirect.status).toBe(301);
    const missing = await get(trusted.url, "nowhere.test", { headers: { traceparent: CLIENT_TRACEPARENT } });
    expect(missing.status).toBe(404);
    // Stopping flushes the batch to the receiver.
    await trusted.stop();
    await waitUntil(() => received.some((s) => s.spanId === spanId), "the trusted router's span");
    const span = received.find((s) => s.spanId === spanId) as ExportedSpan;
    expect(span).toMatchObject({
      traceId: TRACE,
      parentSpanId: PARENT,
      name: "GET",
      service: "edge-trusting",
    });
    expect(span.kind).toBe(2); // SPAN_KIND_SERVER
    expect(attribute(span, "http.response.status_code")).toBe(200);
    expect(attribute(span, "signalbox.endpoint")).toBe("trace.test");
    expect(attribute(span, "signalbox.backend")).toBe("web");
    expect(attribute(span, "url.path")).toBe("/t");
    await waitUntil(() => received.filter((s) => s.traceId === TRACE).length >= 3, "the router-made spans");
    const routerMade = received.filter((s) => s.traceId === TRACE && s.spanId !== spanId);
    expect(routerMade.map((s) => attribute(s, "http.response.status_code")).sort()).toEqual([301, 404]);
    expect(routerMade.map((s) => s.parentSpanId)).toEqual([PARENT, PARENT]);
  });

  it("starts a new trace for an untrusted peer's traceparent and drops its tracestate", async () => {
    const headers = await send(untrusted, "trace-untrusted");
    const [, traceId, spanId] = (headers.traceparent ?? "").split("-");
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe(TRACE);
    expect(headers.tracestate).toBeUndefined();
    expect((await logLine(join(dir, "untrusted.log"), "trace-untrusted")).traceId).toBe(traceId);
    await untrusted.stop();
    await waitUntil(() => received.some((s) => s.spanId === spanId), "the untrusting router's span");
    const span = received.find((s) => s.spanId === spanId) as ExportedSpan;
    expect(span.traceId).toBe(traceId);
    expect(span.parentSpanId ?? "").toBe("");
    expect(span.service).toBe("edge-untrusting");
  });

  it("with tracing off, logs a trusted proxy's trace id and passes its traceparent on untouched", async () => {
    const before = received.length;
    const headers = await send(untraced, "trace-off");
    expect(headers.traceparent).toBe(CLIENT_TRACEPARENT);
    expect((await logLine(join(dir, "untraced.log"), "trace-off")).traceId).toBe(TRACE);
    await untraced.stop();
    expect(received.length).toBe(before);
  });
});
