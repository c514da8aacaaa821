import { describe, expect, it } from "vitest";
import { parseLocation } from "./location.js";

describe("parseLocation", () => {
  it.each([
    ['{"cityName":"Paris","latitude":48.85}', { cityName: "Paris", latitude: 48.85 }],
    [
      "city=New York,country=US,lat=40.7,lon=-74",
      { cityName: "New York", countryCode: "US", latitude: 40.7, longitude: -74 },
    ],
    ["regionName=Bavaria, continent=EU", { regionName: "Bavaria", continentCode: "EU" }],
  ])("parses %j", (text, location) => {
    expect(parseLocation(text)).toEqual({ ok: true, value: location });
  });

  it.each([
    ["{nope", /not valid JSON/],
    ["[1]", /not a JSON object/],
    ["lat=91", /latitude "91", not a number in -90..90/],
    ['{"longitude":"x"}', /longitude "x"/],
    ["town=Paris", /unknown key "town"/],
    ['{"cityName":3}', /cityName 3, not a string/],
  ])("rejects %j", (text, reason) => {
    const result = parseLocation(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
