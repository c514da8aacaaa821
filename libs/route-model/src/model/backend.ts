// Backend validation: unknown JSON (KV entry, agent registration, routes file) -> Backend.
import { parseAddress } from "./address.js";
import { fieldPath, readEnum, readNumber, readRecord, readString, readStringMap } from "./fields.js";
import { BACKEND_SOURCES, BACKEND_STATES, type Backend, type Location } from "./types.js";

const LOCATION_TEXT_FIELDS = [
  "cityName",
  "countryCode",
  "countryName",
  "continentCode",
  "continentName",
  "regionCode",
  "regionName",
] as const;

/**
 * Validates a Backend: non-empty `id` and `service`, `address` host:port (port 1..65535),
 * string `labels`, known `state` and `source`, `load` 0..100, `rps` >= 0, `weight` 0..10000,
 * `connectedAt` epoch ms. Unknown fields are dropped. Throws ValidationError whose field is
 * the path below `at` (`backends[3].address`).
 */
export function parseBackend(x: unknown, at = ""): Backend {
  const record = readRecord(x, at);
  const field = (name: string) => fieldPath(at, name);
  const backend: Backend = {
    id: readString(record.id, field("id")),
    service: readString(record.service, field("service")),
    address: parseAddress(record.address, field("address")),
    labels: readStringMap(record.labels, field("labels")),
    state: readEnum(record.state, field("state"), BACKEND_STATES),
    source: readEnum(record.source, field("source"), BACKEND_SOURCES),
    connectedAt: readNumber(record.connectedAt, field("connectedAt"), {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
    }),
  };
  if (record.load !== undefined) backend.load = readNumber(record.load, field("load"), { min: 0, max: 100 });
  if (record.rps !== undefined) {
    backend.rps = readNumber(record.rps, field("rps"), { min: 0, max: Number.MAX_SAFE_INTEGER });
  }
  if (record.weight !== undefined) {
    backend.weight = readNumber(record.weight, field("weight"), { min: 0, max: 10000 });
  }
  if (record.location !== undefined) backend.location = parseLocation(record.location, field("location"));
  return backend;
}

function parseLocation(x: unknown, at: string): Location {
  const record = readRecord(x, at);
  const location: Location = {};
  if (record.latitude !== undefined) {
    location.latitude = readNumber(record.latitude, fieldPath(at, "latitude"), { min: -90, max: 90 });
  }
  if (record.longitude !== undefined) {
    location.longitude = readNumber(record.longitude, fieldPath(at, "longitude"), { min: -180, max: 180 });
  }
  for (const name of LOCATION_TEXT_FIELDS) {
    if (record[name] !== undefined) location[name] = readString(record[name], fieldPath(at, name));
  }
  return location;
}
