// AGENT_LOCATION text -> a Location (Backplane's geo fields): a JSON object, or `key=value`
// items split on commas (`city=Paris,country=FR,lat=48.85,lon=2.35`).
import type { Location } from "@signalbox/route-model";
import { type ParseResult, parseKeyValues } from "./labels.js";

/** Short names accepted in the `key=value` form, beside the Location field names themselves. */
const ALIASES: Record<string, keyof Location> = {
  lat: "latitude",
  latitude: "latitude",
  lon: "longitude",
  lng: "longitude",
  longitude: "longitude",
  city: "cityName",
  cityName: "cityName",
  country: "countryCode",
  countryCode: "countryCode",
  countryName: "countryName",
  continent: "continentCode",
  continentCode: "continentCode",
  continentName: "continentName",
  region: "regionCode",
  regionCode: "regionCode",
  regionName: "regionName",
};

/**
 * JSON (text starting with `{` or `[`) must use the Location field names; the `key=value` form
 * also takes the aliases above. Latitude must be in -90..90 and longitude in -180..180;
 * an unknown key is an error, so a typo is not silently dropped.
 */
export function parseLocation(text: string): ParseResult<Location> {
  const trimmed = text.trim();
  let entries: [string, unknown][];
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      return { ok: false, reason: `is not valid JSON (${(error as Error).message})` };
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return { ok: false, reason: "is not a JSON object" };
    }
    entries = Object.entries(parsed);
  } else {
    // Commas only: a city name may hold spaces (`city=New York`).
    const items = parseKeyValues(trimmed.split(",").map((item) => item.trim()));
    if (!items.ok) return items;
    entries = Object.entries(items.value).map(([key, value]): [string, unknown] => [
      ALIASES[key] ?? key,
      value,
    ]);
  }
  const location: Location = {};
  for (const [key, raw] of entries) {
    const result = setField(location, key, raw);
    if (!result.ok) return result;
  }
  return { ok: true, value: location };
}

function setField(location: Location, key: string, raw: unknown): ParseResult<void> {
  if (key === "latitude" || key === "longitude") {
    const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
    const limit = key === "latitude" ? 90 : 180;
    if (typeof value !== "number" || !Number.isFinite(value) || Math.abs(value) > limit) {
      return { ok: false, reason: `has ${key} ${JSON.stringify(raw)}, not a number in -${limit}..${limit}` };
    }
    location[key] = value;
    return { ok: true, value: undefined };
  }
  if (!isTextField(key)) return { ok: false, reason: `has unknown key "${key}"` };
  if (typeof raw !== "string")
    return { ok: false, reason: `has ${key} ${JSON.stringify(raw)}, not a string` };
  location[key] = raw;
  return { ok: true, value: undefined };
}

type TextField = Exclude<keyof Location, "latitude" | "longitude">;

const TEXT_FIELDS: readonly TextField[] = [
  "cityName",
  "countryCode",
  "countryName",
  "continentCode",
  "continentName",
  "regionCode",
  "regionName",
];

function isTextField(key: string): key is TextField {
  return (TEXT_FIELDS as readonly string[]).includes(key);
}
