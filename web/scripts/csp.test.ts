import { mkdtemp, mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { MANIFEST, mediaOrigins, pagePolicy, paymentsOf, scriptHash, socketOrigins, withPolicy, writePolicies } from "./csp";
import shared from "../../tests/data/site-policy.json" with { type: "json" };

// The same cases hold the server's policy (tests/it/hosts/site.rs), so the
// header `atelier serve` sends and the pages' own policy cannot drift apart.
describe("the policy agrees with the server's", () => {
  test("for the same hashes and origins", () => {
    const { scriptHashes, mediaOrigins: origins, expected } = shared.policy;
    expect(pagePolicy(scriptHashes, origins)).toBe(expected);
  });

  test("for a site paid through Stripe", () => {
    const { scriptHashes, mediaOrigins: origins, expected } = shared.stripePolicy;
    expect(pagePolicy(scriptHashes, origins, "stripe")).toBe(expected);
  });

  test("for a site whose live connection is AWS's WebSocket API", () => {
    const { scriptHashes, mediaOrigins: origins, socketOrigins: sockets, payments, expected } = shared.socketPolicy;
    expect(pagePolicy(scriptHashes, origins, paymentsOf({ PAYMENTS: payments }), sockets)).toBe(expected);
  });

  test.each(shared.mediaOrigins)("media origins of $env", ({ env, origins }) => {
    expect(mediaOrigins(env)).toEqual(origins);
  });
});

test("Stripe is allowed only where Stripe.js needs it, and only in a build for Stripe", () => {
  const directives = (policy: string) =>
    Object.fromEntries(policy.split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)]));
  const sandbox = directives(pagePolicy(["sha256-x"], [], paymentsOf({})));
  expect(JSON.stringify(sandbox)).not.toContain("stripe");
  expect(sandbox["frame-src"]).toBeUndefined();

  const stripe = directives(pagePolicy(["sha256-x"], [], paymentsOf({ PAYMENTS: "stripe" })));
  expect(stripe["script-src"]).toEqual(["'self'", "'sha256-x'", "https://js.stripe.com"]);
  expect(stripe["frame-src"]).toEqual(["'self'", "https://js.stripe.com", "https://hooks.stripe.com"]);
  expect(stripe["connect-src"]).toEqual(["'self'", "https://api.stripe.com"]);
  for (const name of ["default-src", "style-src", "img-src", "form-action", "object-src", "base-uri"]) {
    expect(stripe[name], name).toEqual(sandbox[name]);
  }
  expect(() => paymentsOf({ PAYMENTS: "paypal" })).toThrow(/PAYMENTS/);
});

test("a site built for a WebSocket API may connect to its origin, and nothing else is allowed more", () => {
  expect(socketOrigins({})).toEqual([]);
  expect(socketOrigins({ NEXT_PUBLIC_REALTIME_SOCKET_URL: "" })).toEqual([]);
  const gateway = { NEXT_PUBLIC_REALTIME_SOCKET_URL: "wss://abc123.execute-api.eu-west-2.amazonaws.com/live" };
  expect(socketOrigins(gateway)).toEqual(["wss://abc123.execute-api.eu-west-2.amazonaws.com"]);
  expect(socketOrigins({ NEXT_PUBLIC_REALTIME_SOCKET_URL: "ws://127.0.0.1:3001/live" })).toEqual(["ws://127.0.0.1:3001"]);

  const directives = (policy: string) =>
    Object.fromEntries(policy.split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)]));
  const own = directives(pagePolicy(["sha256-x"], [], "sandbox"));
  const aws = directives(pagePolicy(["sha256-x"], [], "sandbox", socketOrigins(gateway)));
  expect(aws["connect-src"]).toEqual(["'self'", "wss://abc123.execute-api.eu-west-2.amazonaws.com"]);
  expect({ ...aws, "connect-src": own["connect-src"] }).toEqual(own);
});

test("a live socket address that is not one WebSocket's, or has a query, fails the build", () => {
  for (const value of [
    "https://abc123.execute-api.eu-west-2.amazonaws.com/live",
    "abc123.execute-api.eu-west-2.amazonaws.com/live",
    "wss://abc123.execute-api.eu-west-2.amazonaws.com/live?ticket=x",
    "wss://abc123.execute-api.eu-west-2.amazonaws.com/live#x",
    "wss://*.execute-api.eu-west-2.amazonaws.com/live",
  ]) {
    expect(() => socketOrigins({ NEXT_PUBLIC_REALTIME_SOCKET_URL: value }), value).toThrow(/NEXT_PUBLIC_REALTIME_SOCKET_URL/);
  }
});

test("an S3 store without a region or endpoint, or a bad setting, fails the build", () => {
  expect(() => mediaOrigins({ OBJECT_STORE: "s3", S3_BUCKET: "media" })).toThrow(/AWS_REGION/);
  expect(() => mediaOrigins({ OBJECT_STORE: "s3", AWS_REGION: "eu-west-2" })).toThrow(/S3_BUCKET/);
  expect(() => mediaOrigins({ OBJECT_STORE: "gcs" })).toThrow(/OBJECT_STORE/);
  const s3 = { OBJECT_STORE: "s3", S3_BUCKET: "media", AWS_REGION: "eu-west-2" };
  expect(() => mediaOrigins({ ...s3, S3_FORCE_PATH_STYLE: "yes" })).toThrow(/S3_FORCE_PATH_STYLE/);
  expect(() => mediaOrigins({ ...s3, S3_ENDPOINT_URL: "http://127.0.0.1:9000" })).toThrow(/host name/);
});

const page = [
  '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/><title>t</title>',
  '<script src="/_next/static/chunks/app.js" async=""></script></head>',
  "<body><p>hi</p><script>alert(1)</script><script>a\r\nb</script><script>alert(1)</script>",
  '<template><script>inert()</script></template><script type="module">go()</script></body></html>',
].join("");

test("inline scripts are allowed by their hashes, in a policy before anything it governs", () => {
  const { html, scriptHashes } = withPolicy(page, ["https://media.example.com"]);
  // Known answers: sha256 of `alert(1)`; the parser turns CR LF into LF, as the browser does.
  expect(scriptHashes).toEqual([
    "sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=",
    scriptHash("a\nb"),
    scriptHash("go()"),
  ]);
  const document = new DOMParser().parseFromString(html, "text/html");
  const meta = document.head.children[1];
  expect(document.head.children[0]?.getAttribute("charset")).toBe("utf-8");
  expect(meta?.getAttribute("http-equiv")).toBe("Content-Security-Policy");
  expect(meta?.getAttribute("content")).toBe(pagePolicy(scriptHashes, ["https://media.example.com"]));
  expect(meta?.getAttribute("content")).not.toContain("unsafe-inline");
  // Nothing else changed.
  expect(html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, "")).toBe(page);
});

test("a page without a charset gets its policy first in its head", () => {
  const { html } = withPolicy("<html><head><script>alert(1)</script></head><body></body></html>", []);
  expect(html).toMatch(/^<html><head><meta http-equiv="Content-Security-Policy" content="[^"]+"\/><script>/);
});

test("a page that already has a policy, or no head to put one in, fails the build", () => {
  const withMeta = '<html><head><meta http-equiv="content-security-policy" content="default-src *"></head></html>';
  expect(() => withPolicy(withMeta, [])).toThrow(/already has/);
  expect(() => withPolicy("<p>no head</p>", [])).toThrow(/no <head>/);
});

test("every page of the export gets its policy, and the manifest has all their hashes", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "csp-"));
  await mkdir(path.join(dir, "search"));
  await writeFile(path.join(dir, "index.html"), "<html><head></head><body><script>alert(1)</script></body></html>");
  await writeFile(path.join(dir, "search", "index.html"), "<html><head></head><body><script>b()</script></body></html>");
  await writeFile(path.join(dir, "search", "index.txt"), "<script>not a page</script>");

  const manifest = await writePolicies(dir, { PUBLIC_BASE_URL: "http://127.0.0.1:8080" });

  const expected = [scriptHash("alert(1)"), scriptHash("b()")].sort();
  expect(manifest).toEqual({ scriptHashes: expected, mediaOrigins: ["http://127.0.0.1:8080"], socketOrigins: [] });
  expect(JSON.parse(await readFile(path.join(dir, MANIFEST), "utf8"))).toEqual(manifest);
  const search = await readFile(path.join(dir, "search", "index.html"), "utf8");
  expect(search).toContain(`content="${pagePolicy([scriptHash("b()")], ["http://127.0.0.1:8080"])}"`);
  expect(await readFile(path.join(dir, "search", "index.txt"), "utf8")).toBe("<script>not a page</script>");

  // Built for Stripe, every page allows it: a client-side navigation keeps
  // the first page's policy, so the checkout's cannot be the only one.
  const stripeDir = await mkdtemp(path.join(tmpdir(), "csp-"));
  await writeFile(path.join(stripeDir, "index.html"), "<html><head></head><body><script>alert(1)</script></body></html>");
  await writePolicies(stripeDir, { PAYMENTS: "stripe" });
  const home = await readFile(path.join(stripeDir, "index.html"), "utf8");
  expect(home).toContain(`content="${pagePolicy([scriptHash("alert(1)")], [], "stripe")}"`);

  // Built for AWS's WebSocket API, every page may reach it, and the manifest
  // tells `atelier serve` to allow it too.
  const socketDir = await mkdtemp(path.join(tmpdir(), "csp-"));
  await writeFile(path.join(socketDir, "index.html"), "<html><head></head><body><script>alert(1)</script></body></html>");
  const gateway = "wss://abc123.execute-api.eu-west-2.amazonaws.com";
  const built = await writePolicies(socketDir, { NEXT_PUBLIC_REALTIME_SOCKET_URL: `${gateway}/live` });
  expect(built.socketOrigins).toEqual([gateway]);
  const live = await readFile(path.join(socketDir, "index.html"), "utf8");
  expect(live).toContain(`content="${pagePolicy([scriptHash("alert(1)")], [], "sandbox", [gateway])}"`);
});
