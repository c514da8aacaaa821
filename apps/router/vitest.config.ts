import { sharedConfig, sourceConditions } from "../../vitest.shared.ts";

// The OpenTelemetry packages' "module" export is extensionless ESM that Node cannot load: the
// router's tests resolve without that condition (as Node does for the built router).
const conditions = sourceConditions.filter((c) => c !== "module");
const config = sharedConfig();
config.resolve = { conditions };
config.ssr = { resolve: { conditions, externalConditions: conditions } };

export default config;
