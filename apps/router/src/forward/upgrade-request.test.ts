import { describe, expect, it } from "vitest";
import { isWebSocketUpgrade } from "./upgrade-request.js";

const ws = ["Host", "a.test", "Connection", "Upgrade", "Upgrade", "websocket"];

describe("isWebSocketUpgrade", () => {
  it("passes a WebSocket handshake, in any case and with spaces", () => {
    expect(isWebSocketUpgrade("GET", ws)).toBe(true);
    expect(isWebSocketUpgrade("GET", ["upgrade", " WebSocket "])).toBe(true);
    expect(isWebSocketUpgrade("GET", [...ws, "Content-Length", "0"])).toBe(true);
  });

  it("refuses every other protocol, a list, a second Upgrade header and a missing one", () => {
    expect(isWebSocketUpgrade("GET", ["Upgrade", "h2c"])).toBe(false);
    expect(isWebSocketUpgrade("GET", ["Upgrade", "TLS/1.0"])).toBe(false);
    expect(isWebSocketUpgrade("GET", ["Upgrade", "websocket, h2c"])).toBe(false);
    expect(isWebSocketUpgrade("GET", ["Upgrade", "websocket", "upgrade", "h2c"])).toBe(false);
    expect(isWebSocketUpgrade("GET", ["Host", "a.test"])).toBe(false);
  });

  it("refuses other methods and a handshake with a body", () => {
    expect(isWebSocketUpgrade("POST", ws)).toBe(false);
    expect(isWebSocketUpgrade(undefined, ws)).toBe(false);
    expect(isWebSocketUpgrade("GET", [...ws, "Content-Length", "5"])).toBe(false);
    expect(isWebSocketUpgrade("GET", [...ws, "Transfer-Encoding", "chunked"])).toBe(false);
  });
});
