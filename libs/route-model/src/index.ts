// @signalbox/route-model: the only import path of this package.
export * from "./errors.js";
export * from "./model/types.js";
export { createEndpointIndex, type EndpointIndex } from "./pattern/endpoint-index.js";
export {
  formatPattern,
  hostFromHeader,
  normalizePattern,
  type ParsedPattern,
  parsePattern,
} from "./pattern/parse.js";
export { formatSelector } from "./selector/format.js";
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
export { createSmoothWeightedPicker, type SmoothWeightedPicker } from "./weights/smooth-weighted.js";
