// @signalbox/service: the only import path of this package: what every service process shares,
// the environment readers of its configuration and its admin listener.
export {
  type AdminRoute,
  type AdminServer,
  type AdminServerOptions,
  sendJson,
  sendText,
  startAdminServer,
} from "./admin-server.js";
export {
  type Env,
  type IntegerOptions,
  type ListenAddress,
  LOG_LEVELS,
  readInteger,
  readListenAddress,
  readListenAddresses,
  readLogLevel,
  readNatsEnv,
} from "./env-readers.js";
