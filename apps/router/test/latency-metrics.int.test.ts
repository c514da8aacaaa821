// The latency histograms on /metrics: _count grows per endpoint, labels come from the table only,
// and the series of an endpoint (and a backend) removed from the table disappear.

import { request } from "undici";
import { beforeAll, describe, expect, it } from "vitest";
import { backendOf, endpoint, get, type TestBackend } from "./harness.js";
import { useRouterSuite } from "./router-suite.js";

const suite = useRouterSuite();
let one: TestBackend;
let two: TestBackend;

async function scrape(): Promise<string> {
  const res = await request(`${suite.router.admin}/metrics`);
  return res.body.text();
}

/** The value of one sample line (`name{labels} value`), undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const count = (endpointPattern: string, code = "2xx") =>
  `signalbox_router_request_duration_seconds_count{endpoint="${endpointPattern}",route="route000",code="${code}"}`;

beforeAll(async () => {
  one = await suite.backend("one");
  two = await suite.backend("two");
});

describe("router latency histograms", () => {
  it("counts each endpoint's answers and each backend's upstream time", async () => {
    const backends = [backendOf(one, { id: "one" }), backendOf(two, { id: "two" })];
    await suite.publish(
      [endpoint("m1.test", [{ selector: "id=one" }]), endpoint("m2.test", [{ selector: "id=two" }])],
      backends,
    );
    for (let i = 0; i < 3; i++)
      expect((await get(suite.router.url, "m1.test", { path: `/p${i}` })).status).toBe(200);
    expect((await get(suite.router.url, "m2.test")).status).toBe(200);
    expect((await get(suite.router.url, "unknown.test", { path: "/secret-path" })).status).toBe(404);
    let text = await scrape();
    expect(sample(text, count("m1.test"))).toBe(3);
    expect(sample(text, count("m2.test"))).toBe(1);
    // A router-made answer: no endpoint, no route; never the raw host or path.
    expect(
      sample(text, 'signalbox_router_request_duration_seconds_count{endpoint="",route="",code="4xx"}'),
    ).toBe(1);
    expect(text).not.toContain("unknown.test");
    expect(text).not.toContain("secret-path");
    expect(sample(text, 'signalbox_router_upstream_duration_seconds_count{backend="one"}')).toBe(3);
    expect(sample(text, 'signalbox_router_upstream_duration_seconds_count{backend="two"}')).toBe(1);
    expect(
      sample(
        text,
        'signalbox_router_request_duration_seconds_bucket{le="+Inf",endpoint="m1.test",route="route000",code="2xx"}',
      ),
    ).toBe(3);

    await get(suite.router.url, "m1.test");
    text = await scrape();
    expect(sample(text, count("m1.test"))).toBe(4);
  });

  it("drops the series of an endpoint and a backend the table no longer has", async () => {
    await suite.publish([endpoint("m1.test", [{ selector: "id=one" }])], [backendOf(one, { id: "one" })]);
    const text = await scrape();
    expect(sample(text, count("m1.test"))).toBe(4);
    expect(text).not.toContain('endpoint="m2.test"');
    expect(text).not.toContain('backend="two"');
    expect(sample(text, 'signalbox_router_upstream_duration_seconds_count{backend="one"}')).toBe(4);
  });
});
