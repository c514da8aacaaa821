// What the dashboard shows, as one JSON document: the `query` answer (endpoints, routes, backends
// with their verdict and sources, warnings) and the fleet strip (routers, leader, Marathon stream,
// health services). Built from what the watcher already holds; nothing here reads the bus.

import type { ApiReply } from "@signalbox/bus";
import type { ControlApi } from "../api/control-api.js";

export interface FleetViewSource {
  controlApi: ControlApi;
  watcherId: string;
  isLeader(): boolean;
  /** Seconds since the Marathon stream last spoke; undefined without Marathon. */
  streamAgeSeconds(): number | undefined;
  now(): number;
}

export interface FleetView {
  at: number;
  table: ApiReply<"query">;
  watcher: { id: string; leader: boolean };
  marathonStreamAgeSeconds: number | null;
  routers: { routerId: string; lastReportAgoMs: number; inFlight: number }[];
  health: { service: string; lastReportAgoMs: number }[];
}

export async function buildFleetView(source: FleetViewSource): Promise<FleetView> {
  const now = source.now();
  const { routers, health } = source.controlApi.fleet();
  return {
    at: now,
    table: await source.controlApi.query(),
    watcher: { id: source.watcherId, leader: source.isLeader() },
    marathonStreamAgeSeconds: source.streamAgeSeconds() ?? null,
    routers: routers
      .map((r) => ({ routerId: r.routerId, lastReportAgoMs: now - r.receivedAt, inFlight: r.inFlight }))
      .sort((a, b) => a.routerId.localeCompare(b.routerId)),
    health: health
      .map((h) => ({ service: h.service, lastReportAgoMs: Math.max(0, now - h.at) }))
      .sort((a, b) => a.service.localeCompare(b.service)),
  };
}
