// What the request path sees of tracing: a tracer that starts one span per request and the span,
// with no OpenTelemetry type in sight, so the SDK (otel-tracer.ts) is loaded only when tracing is on.

/** What a request span is told when its answer is known. */
export interface SpanEnd {
  status: number;
  /** The router's own reason (x-signalbox-error), when it answered itself or the backend failed. */
  error: string | undefined;
  endpoint: string | undefined;
  route: string | undefined;
  backend: string | undefined;
  attempts: number;
}

export interface RequestSpan {
  readonly traceId: string;
  /** The `traceparent` the backend gets: this span as its parent. */
  readonly traceparent: string;
  /** The `tracestate` passed on (a trusted peer's), if any. */
  readonly tracestate: string | undefined;
  /** A failed attempt tried again elsewhere. */
  retried(backend: string, reason: string): void;
  end(outcome: SpanEnd): void;
}

export interface RequestTracer {
  /**
   * Starts the span of a request: the child of `traceparent`/`tracestate` when they come from a
   * trusted peer (pass undefined otherwise), else the root of a new trace.
   */
  start(
    method: string,
    host: string,
    path: string,
    traceparent: string | undefined,
    tracestate: string | undefined,
  ): RequestSpan;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}
