import { describe, expect, it } from "vitest";
import { deriveSession, sameSession } from "./agent-session.js";

describe("agent session", () => {
  it("is the same for the same registration on every watcher, and another for any other input", () => {
    const session = deriveSession("tok_1.secret", "agent-1", "nonce-0123456789abcdefghij");
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(deriveSession("tok_1.secret", "agent-1", "nonce-0123456789abcdefghij")).toBe(session);
    expect(deriveSession("tok_2.secret", "agent-1", "nonce-0123456789abcdefghij")).not.toBe(session);
    expect(deriveSession("tok_1.secret", "agent-2", "nonce-0123456789abcdefghij")).not.toBe(session);
    expect(deriveSession("tok_1.secret", "agent-1", "nonce-0123456789abcdefghik")).not.toBe(session);
  });

  it("matches only the held session, and nothing when none is held", () => {
    expect(sameSession("abc", "abc")).toBe(true);
    expect(sameSession("abc", "abd")).toBe(false);
    expect(sameSession("abc", "abcd")).toBe(false);
    expect(sameSession(undefined, "abc")).toBe(false);
  });
});
