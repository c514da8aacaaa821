// The RequestTracer over the OpenTelemetry JS SDK: spans made by hand (no auto-instrumentation),
// batched and posted as OTLP/HTTP JSON. Loaded by a dynamic import only when tracing is on, so a
// router without OTEL_EXPORTER_OTLP_ENDPOINT never loads the SDK.

import {
  context,
  createTraceState,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import type { RequestSpan, RequestTracer, SpanEnd } from "./request-span.js";
import { parseTraceparent } from "./traceparent.js";
import type { TracingConfig } from "./tracing-config.js";

export function startOtelTracer(config: TracingConfig): RequestTracer {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName }),
    sampler: samplerOf(config),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl }))],
  });
  const tracer = provider.getTracer("signalbox-router");
  return {
    start: (method, host, path, traceparent, tracestate) =>
      startSpan(tracer, method, host, path, traceparent, tracestate),
    shutdown: () => provider.shutdown(),
  };
}

function samplerOf({ sampler, ratio }: TracingConfig): Sampler {
  switch (sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

function startSpan(
  tracer: Tracer,
  method: string,
  host: string,
  path: string,
  traceparent: string | undefined,
  tracestate: string | undefined,
): RequestSpan {
  const parent = parseTraceparent(traceparent);
  let parentContext = context.active();
  if (parent !== undefined) {
    const remote: SpanContext = {
      traceId: parent.traceId,
      spanId: parent.spanId,
      traceFlags: parent.flags & 1,
      isRemote: true,
      traceState: tracestate === undefined ? undefined : createTraceState(tracestate),
    };
    parentContext = trace.setSpanContext(parentContext, remote);
  }
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.SERVER,
      attributes: { "http.request.method": method, "server.address": host, "url.path": path },
    },
    parentContext,
  );
  return new OtelRequestSpan(span, parent === undefined ? undefined : tracestate);
}

class OtelRequestSpan implements RequestSpan {
  readonly traceId: string;
  readonly traceparent: string;

  constructor(
    private readonly span: Span,
    readonly tracestate: string | undefined,
  ) {
    const { traceId, spanId, traceFlags } = span.spanContext();
    this.traceId = traceId;
    this.traceparent = `00-${traceId}-${spanId}-0${traceFlags & 1}`;
  }

  retried(backend: string, reason: string): void {
    this.span.addEvent("retry", { "signalbox.backend": backend, "signalbox.reason": reason });
  }

  end(outcome: SpanEnd): void {
    const { span } = this;
    span.setAttribute("http.response.status_code", outcome.status);
    span.setAttribute("signalbox.attempts", outcome.attempts);
    if (outcome.endpoint !== undefined) span.setAttribute("signalbox.endpoint", outcome.endpoint);
    if (outcome.route !== undefined) span.setAttribute("signalbox.route", outcome.route);
    if (outcome.backend !== undefined) span.setAttribute("signalbox.backend", outcome.backend);
    if (outcome.error !== undefined) span.setAttribute("signalbox.error", outcome.error);
    // Server spans are errors for 5xx and cuts only (OTel HTTP semantic conventions).
    if (outcome.status >= 500 || outcome.status < 100) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
    }
    span.end();
  }
}
