// The Backplane client API over NATS (`signalbox.api.<op>`): one short-lived connection that
// gives up quickly when NATS is unreachable, requests with a timeout, validated replies.
import {
  type ApiOp,
  type ApiReply,
  type ApiRequest,
  connectNats,
  createApiCodecs,
  redactUrlCredentials,
  subjects,
} from "@signalbox/bus";
import pino from "pino";
import { OperationalError } from "./errors.js";

export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

export interface BackplaneClientOptions {
  /** NATS_* variables (NATS_URL, credentials); `servers` overrides NATS_URL. */
  env?: Record<string, string | undefined>;
  servers?: string | string[];
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface BackplaneClient {
  /**
   * Sends one request and returns the watcher's reply, `{ ok: false, error }` included.
   * Throws OperationalError when no reply comes (no watcher, timeout, NATS gone) or it is malformed.
   */
  request<O extends ApiOp>(op: O, request: ApiRequest<O>): Promise<ApiReply<O>>;
  close(): Promise<void>;
}

/**
 * Connects within `connectTimeoutMs` (retrying with back-off meanwhile) or throws
 * OperationalError SB_NATS_UNREACHABLE naming the servers and the last error.
 */
export async function connectBackplane(opts: BackplaneClientOptions = {}): Promise<BackplaneClient> {
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  let lastProblem = "";
  // connectNats logs each failed attempt; keep the last reason for our own message instead.
  const logger = pino(
    { level: "warn" },
    {
      write(line: string) {
        lastProblem = readLoggedError(line) ?? lastProblem;
      },
    },
  );
  let nc: NatsConnection;
  try {
    nc = await connectNats({
      env: opts.env ?? {},
      ...(opts.servers !== undefined && { servers: opts.servers }),
      name: "signalbox-cli",
      logger,
      signal: AbortSignal.timeout(connectTimeoutMs),
    });
  } catch (error) {
    const servers = opts.servers ?? opts.env?.NATS_URL ?? "nats://127.0.0.1:4222";
    throw new OperationalError(
      "SB_NATS_UNREACHABLE",
      `cannot reach NATS at ${redactUrlCredentials(String(servers))} within ${connectTimeoutMs} ms${lastProblem ? ` (${lastProblem})` : ""}; ` +
        "check --nats or NATS_URL",
      { cause: error },
    );
  }

  return {
    async request(op, request) {
      const codecs = createApiCodecs(op);
      let data: Uint8Array;
      try {
        data = (
          await nc.request(subjects.api(op), codecs.request.encode(request), { timeout: requestTimeoutMs })
        ).data;
      } catch (error) {
        throw describeRequestError(op, error, requestTimeoutMs);
      }
      const decoded = codecs.reply.decode(data);
      if (!decoded.ok)
        throw new OperationalError(
          "SB_BAD_REPLY",
          `the watcher's ${op} reply is malformed: ${decoded.reason}`,
        );
      return decoded.value;
    },
    async close() {
      await nc.close();
    },
  };
}

function describeRequestError(op: ApiOp, error: unknown, timeoutMs: number): OperationalError {
  const subject = subjects.api(op);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  if (error instanceof Error && (error.name === "NoResponders" || cause?.name === "NoResponders")) {
    return new OperationalError(
      "SB_NO_WATCHER",
      `no watcher answers on ${subject}; start one with "signalbox watcher"`,
      {
        cause: error,
      },
    );
  }
  if (error instanceof Error && error.name === "TimeoutError") {
    return new OperationalError("SB_API_TIMEOUT", `no reply on ${subject} within ${timeoutMs} ms`, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new OperationalError("SB_API_FAILED", `${subject} request failed: ${message}`, { cause: error });
}

function readLoggedError(line: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { err?: { message?: unknown } };
    return typeof entry.err?.message === "string" ? entry.err.message : undefined;
  } catch {
    return undefined;
  }
}
