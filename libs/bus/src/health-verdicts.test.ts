import { describe, expect, it } from "vitest";
import { codecs } from "./codecs.js";
import { decodeHealthMessage } from "./health-verdicts.js";
import { subjects } from "./subjects.js";

const message = (service: string) =>
  codecs.health.encode({ service, status: "SERVING", backends: { a: "NOT_SERVING" }, at: 1 });

describe("decodeHealthMessage", () => {
  it("reads a message sent on its own service's subject", () => {
    const decoded = decodeHealthMessage(subjects.health("/shop/web"), message("/shop/web"));
    expect(decoded).toEqual({ ok: true, value: expect.objectContaining({ service: "/shop/web" }) });
  });

  it("refuses a body that names another service than the subject", () => {
    expect(decodeHealthMessage(subjects.health("x"), message("/shop/web"))).toEqual({
      ok: false,
      reason: 'a health message for service "/shop/web" sent on health.x',
    });
  });

  it("refuses subjects that are not health.<one encoded token>", () => {
    for (const subject of ["health.a.b", "health.", "health.%2", "stats.x"]) {
      expect(decodeHealthMessage(subject, message("a"))).toMatchObject({ ok: false });
    }
  });
});
