// The standard OpenTelemetry variables the router honours: tracing is on only when
// OTEL_EXPORTER_OTLP_ENDPOINT is set; then OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER(_ARG) apply.
// https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/

import { ConfigError } from "@signalbox/bus";
import type { Env } from "@signalbox/service";

export type SamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

const SAMPLERS: readonly SamplerName[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];

export interface TracingConfig {
  /** Where spans are posted: `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces` (OTLP/HTTP, JSON). */
  tracesUrl: string;
  serviceName: string;
  sampler: SamplerName;
  /** The ratio of the *traceidratio samplers, 0..1. */
  ratio: number;
}

/** Undefined (tracing off, no SDK loaded) unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
export function readTracingConfig(env: Env): TracingConfig | undefined {
  const sampler = readSampler(env);
  const ratio = readRatio(env);
  const raw = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const text = raw?.trim() ?? "";
  if (text === "") return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError("OTEL_EXPORTER_OTLP_ENDPOINT", raw, "is not an http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError("OTEL_EXPORTER_OTLP_ENDPOINT", raw, "is not an http(s) URL");
  }
  return {
    tracesUrl: `${text.replace(/\/+$/, "")}/v1/traces`,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || "signalbox-router",
    sampler,
    ratio,
  };
}

function readSampler(env: Env): SamplerName {
  const text = env.OTEL_TRACES_SAMPLER?.trim() || "parentbased_always_on";
  if (!SAMPLERS.includes(text as SamplerName)) {
    throw new ConfigError(
      "OTEL_TRACES_SAMPLER",
      env.OTEL_TRACES_SAMPLER,
      `is not one of ${SAMPLERS.join(", ")}`,
    );
  }
  return text as SamplerName;
}

function readRatio(env: Env): number {
  const raw = env.OTEL_TRACES_SAMPLER_ARG;
  const text = raw?.trim() ?? "";
  if (text === "") return 1;
  const ratio = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || ratio > 1) {
    throw new ConfigError("OTEL_TRACES_SAMPLER_ARG", raw, "is not a ratio between 0 and 1");
  }
  return ratio;
}
