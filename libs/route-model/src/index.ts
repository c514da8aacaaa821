// @signalbox/route-model: the only import path of this package.
export { type Cidr, cidrContains, parseCidr } from "./address/cidr.js";
export { createDeniedRanges, type DeniedRanges, LINK_LOCAL_CIDRS } from "./address/denied-ranges.js";
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
export { parseFilterSpec } from "./model/filter.js";
export { parseRoute } from "./model/route.js";
export { parseRouteTable } from "./model/route-table.js";
export * from "./model/types.js";
export { createEndpointIndex, type EndpointIndex } from "./pattern/endpoint-index.js";
export {
  formatPattern,
  hostFromHeader,
  normalizePattern,
  type ParsedPattern,
  parsePattern,
} from "./pattern/parse.js";
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
