// TLS on /metrics: handshakes by result, SNI picks by how they matched, and each certificate's
// expiry (so an alert can fire weeks ahead).
import type { SniMatch } from "@signalbox/tls";
import { Counter, Gauge, type Registry } from "prom-client";
import type { CertBook } from "./cert-book.js";

/** `full` and `resumed` succeeded (resumed: a session ticket was accepted); `failed` did not. */
export type HandshakeResult = "full" | "resumed" | "failed";

export class TlsMetrics {
  private readonly handshakes = new Map<HandshakeResult, number>();
  private readonly picks = new Map<SniMatch, number>();

  constructor(registry: Registry, book: CertBook) {
    const self = this;
    const registers = [registry];
    new Counter({
      name: "signalbox_router_tls_handshakes_total",
      help: "TLS handshakes on the HTTPS listeners, by result: full, resumed (a session ticket) or failed",
      labelNames: ["result"],
      registers,
      collect() {
        this.reset();
        for (const [result, count] of self.handshakes) this.inc({ result }, count);
      },
    });
    new Counter({
      name: "signalbox_router_tls_sni_picks_total",
      help: "Certificates picked for a ClientHello's server name: exact, wildcard or default",
      labelNames: ["match"],
      registers,
      collect() {
        this.reset();
        for (const [match, count] of self.picks) this.inc({ match }, count);
      },
    });
    new Gauge({
      name: "signalbox_router_tls_certificate_expiry_seconds",
      help: "notAfter of each certificate in signalbox-certs, Unix seconds",
      labelNames: ["certificate"],
      registers,
      collect() {
        this.reset();
        for (const cert of book.summaries())
          this.set({ certificate: cert.id }, Math.floor(cert.notAfter / 1000));
      },
    });
  }

  countHandshake(result: HandshakeResult): void {
    this.handshakes.set(result, (this.handshakes.get(result) ?? 0) + 1);
  }

  countPick(match: SniMatch): void {
    this.picks.set(match, (this.picks.get(match) ?? 0) + 1);
  }
}
