// @signalbox/route-model: the only import path of this package.
export * from "./errors.js";
export {
  type MarathonTranslation,
  marathonAppsToSnapshot,
  type ProviderEndpointLike,
  type ProviderRouteLike,
} from "./marathon/app-to-table.js";
export { formatAddress, parseAddress } from "./model/address.js";
export { parseBackend } from "./model/backend.js";
export { parseEndpoint } from "./model/endpoint.js";
export { checkFilterHeaders, parseFilterSpec } from "./model/filter.js";
export { parseRoute } from "./model/route.js";
export { parseRouteTable } from "./model/route-table.js";
export * from "./model/types.js";
export { CidrSet } from "./net/cidr.js";
export { createDeniedRanges, type DeniedRanges, LINK_LOCAL_CIDRS } from "./net/denied-ranges.js";
export { clientFromForwardedFor } from "./net/forwarded-for.js";
export { canonicalIp, clientNetworkKey, parseIp } from "./net/ip.js";
export { createEndpointIndex, type EndpointIndex } from "./pattern/endpoint-index.js";
export {
  formatPattern,
  hostFromHeader,
  normalizePattern,
  type ParsedPattern,
  parsePattern,
} from "./pattern/parse.js";
export { type ProxyHeader, ProxyProtocolError, parseProxyHeader } from "./proxy-protocol/parse.js";
export { parseRequestHost, type RequestHost } from "./request/host.js";
export { type NormalizedRequest, normalizeRequest } from "./request/normalize.js";
export { normalizePath } from "./request/path.js";
export { matchesSelector } from "./selector/match.js";
export { parseSelector, type Requirement, type RequirementOp, type Selector } from "./selector/parse.js";
export {
  createStrategy,
  type PickContext,
  parseStrategy,
  type Strategy,
  type StrategyDeps,
  type StrategySpec,
} from "./strategies/index.js";
export {
  type CompiledEndpoint,
  type CompiledRoute,
  type CompiledTable,
  compileTable,
  type PreviousCompile,
  type TableChanges,
} from "./table/compile.js";
export { diffTables, type TableDiff } from "./table/diff.js";
export { backendDigest, type EntryDigest, endpointDigest, sameDigest } from "./table/entry-digest.js";
export { hashTable, TableHashState } from "./table/hash.js";
export type { TableWarning, TableWarningKind } from "./table/warnings.js";
export { createSmoothWeightedPicker, type SmoothWeightedPicker } from "./weights/smooth-weighted.js";
