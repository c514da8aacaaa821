import { sharedConfig } from "../../vitest.shared.ts";

// End-to-end tests start many processes: give them room on a 2-core machine.
export default sharedConfig({ testTimeout: 90_000 });
