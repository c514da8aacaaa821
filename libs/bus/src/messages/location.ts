// A backend's Location (contract data model) as it travels in agent and control API messages.
import { z } from "zod";

/** Every field optional; latitude and longitude within their ranges. */
export const locationSchema = z
  .object({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    cityName: z.string(),
    countryCode: z.string(),
    countryName: z.string(),
    continentCode: z.string(),
    continentName: z.string(),
    regionCode: z.string(),
    regionName: z.string(),
  })
  .partial();
