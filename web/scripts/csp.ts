// The pages' Content-Security-Policy, written after `next build` (the last
// step of `npm run build`). Every exported page has inline scripts (Next.js's
// chunk list and its React Server Components payload), and a static export
// has no request to make a nonce for, so the policy allows exactly those
// scripts by their SHA-256 hashes. Vercel serves the pages with vercel.json's
// fixed headers, which cannot know a build's hashes or a deployment's bucket,
// so each page carries its own policy in a <meta http-equiv> element at the
// top of its head. The hashes of all pages go to out/csp.json, with the origins
// they were built for, from which `atelier serve` sends the same policy as a
// header (src/hosts/csp.rs).
//
// Media (images, upload forms) are allowed from the object store's origin,
// derived from the variables the server reads (.env.example), so build the
// site with the environment the API runs with. So is Stripe: with
// PAYMENTS=stripe the pages may load Stripe.js and its frames from
// js.stripe.com, frame the bank's 3-D Secure challenge from hooks.stripe.com
// and reach api.stripe.com, which its Payment Element needs;
// with the sandbox (the default) they reach none of Stripe's. Built with
// NEXT_PUBLIC_REALTIME_SOCKET_URL (AWS's WebSocket API), the pages may open
// their live connection at that socket's origin.
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, type DefaultTreeAdapterTypes } from "parse5";

type Element = DefaultTreeAdapterTypes.Element;
type ParentNode = DefaultTreeAdapterTypes.ParentNode;

/** Where `atelier serve` reads the site's hashes and the origins the pages were built for. */
export const MANIFEST = "csp.json";

export type Manifest = { scriptHashes: string[]; mediaOrigins: string[]; socketOrigins: string[] };

/** The payments provider the API runs with (`PAYMENTS`): the sandbox's card form is this site's own. */
export type Payments = "sandbox" | "stripe";

/** What Stripe.js needs, and nothing more: its script, its frames and 3-D Secure's, and its API. */
export const STRIPE_SOURCES = {
  script: "https://js.stripe.com",
  frame: "https://js.stripe.com https://hooks.stripe.com",
  connect: "https://api.stripe.com",
};

/**
 * The policy of a page whose inline scripts have these hashes, whose media
 * come from `mediaOrigins` and whose live connection may be a WebSocket at
 * one of `socketOrigins`. src/hosts/csp.rs
 * builds the same text (tests/data/site-policy.json holds both to it).
 * Styles are 'self' only: the pages have no <style> elements or style
 * attributes, and React and framer-motion set styles through the CSSOM,
 * which no policy governs. `frame-ancestors` cannot be set by a meta element;
 * vercel.json's header sets it.
 */
export function pagePolicy(
  scriptHashes: readonly string[],
  mediaOrigins: readonly string[],
  payments: Payments = "sandbox",
  socketOrigins: readonly string[] = [],
): string {
  const stripe = payments === "stripe";
  const scripts = scriptHashes.map((hash) => ` '${hash}'`).join("") + (stripe ? ` ${STRIPE_SOURCES.script}` : "");
  const media = mediaOrigins.map((origin) => ` ${origin}`).join("");
  const sockets = socketOrigins.map((origin) => ` ${origin}`).join("");
  return [
    "default-src 'self'",
    `script-src 'self'${scripts}`,
    "style-src 'self'",
    `img-src 'self'${media}`,
    `connect-src 'self'${media}${sockets}${stripe ? ` ${STRIPE_SOURCES.connect}` : ""}`,
    ...(stripe ? [`frame-src 'self' ${STRIPE_SOURCES.frame}`] : []),
    `form-action 'self'${media}`,
    "object-src 'none'",
    "base-uri 'self'",
  ].join("; ");
}

/** The payments provider of the server's variables (`PAYMENTS`, the sandbox unless set). */
export function paymentsOf(env: Env): Payments {
  const provider = env.PAYMENTS?.trim() || "sandbox";
  if (provider !== "sandbox" && provider !== "stripe") {
    throw new Error(`PAYMENTS must be sandbox or stripe, not ${JSON.stringify(provider)}`);
  }
  return provider;
}

/**
 * The origin of the WebSocket API the pages connect to instead of their own
 * `/api/realtime` (`NEXT_PUBLIC_REALTIME_SOCKET_URL`, the AWS stack's
 * RealtimeSocketUrl), none when it is unset. next.config.ts refuses the same
 * values, before the build has spent minutes on them.
 */
export function socketOrigins(env: Env): string[] {
  const value = env.NEXT_PUBLIC_REALTIME_SOCKET_URL;
  if (!value) return [];
  const url = URL.parse(value);
  if (!url || (url.protocol !== "ws:" && url.protocol !== "wss:") || url.search || url.hash) {
    throw new Error(
      `NEXT_PUBLIC_REALTIME_SOCKET_URL must be a ws:// or wss:// address without a query, not ${JSON.stringify(value)}`,
    );
  }
  // URLs allow `*` in a host name, where a policy reads it as a wildcard.
  if (url.hostname.includes("*")) {
    throw new Error(`NEXT_PUBLIC_REALTIME_SOCKET_URL names no one host: ${JSON.stringify(value)}`);
  }
  return [url.origin];
}

/** A CSP hash source (without its quotes) of a script's text as the browser has it. */
export function scriptHash(text: string): string {
  return `sha256-${createHash("sha256").update(text, "utf8").digest("base64")}`;
}

type Env = Record<string, string | undefined>;

/**
 * The origins browsers load images from and post uploads to, from the object
 * store's variables, as the server's store forms its URLs: the local store's
 * paths are same-origin unless PUBLIC_BASE_URL puts an origin in front; an S3
 * bucket is `{bucket}.{endpoint host}`, or the endpoint itself with path-style
 * addressing, the endpoint being AWS's regional one unless S3_ENDPOINT_URL is set.
 */
export function mediaOrigins(env: Env): string[] {
  const get = (name: string) => env[name]?.trim() || undefined;
  const store = get("OBJECT_STORE") ?? "local";
  if (store === "local") {
    const base = get("PUBLIC_BASE_URL");
    return base ? [new URL(base).origin] : [];
  }
  if (store !== "s3") throw new Error(`OBJECT_STORE must be local or s3, not ${JSON.stringify(store)}`);
  const bucket = get("S3_BUCKET");
  if (!bucket) throw new Error("OBJECT_STORE=s3 needs S3_BUCKET");
  const region = get("AWS_REGION") ?? get("AWS_DEFAULT_REGION");
  const endpointUrl = get("S3_ENDPOINT_URL") ?? (region && `https://s3.${region}.amazonaws.com`);
  if (!endpointUrl) {
    throw new Error("OBJECT_STORE=s3 needs AWS_REGION (or S3_ENDPOINT_URL) to know the bucket's origin");
  }
  const pathStyle = get("S3_FORCE_PATH_STYLE") ?? "false";
  if (pathStyle !== "true" && pathStyle !== "false") {
    throw new Error(`S3_FORCE_PATH_STYLE must be true or false, not ${JSON.stringify(pathStyle)}`);
  }
  const endpoint = new URL(endpointUrl);
  if (pathStyle === "false") {
    const host = `${bucket}.${endpoint.hostname}`;
    endpoint.hostname = host;
    // The setter ignores a host it cannot take (an IP address with a prefix).
    if (endpoint.hostname !== host) throw new Error(`${host} is not a valid host name for the bucket`);
  }
  return [endpoint.origin];
}

function isElement(node: DefaultTreeAdapterTypes.Node): node is Element {
  return "tagName" in node;
}

function* elements(parent: ParentNode): Generator<Element> {
  for (const child of parent.childNodes) {
    if (!isElement(child)) continue;
    yield child;
    // A <template>'s content is inert; its children are in `content`, not here.
    yield* elements(child);
  }
}

const attribute = (element: Element, name: string) => element.attrs.find((a) => a.name === name)?.value;

/**
 * The page with its policy at the top of its head (after the charset, which
 * must come first, and before anything a policy governs), and the hashes in
 * that policy. The hashes are of the scripts' text as the HTML parser sees it,
 * which is what the browser hashes.
 */
export function withPolicy(
  html: string,
  mediaOrigins: readonly string[],
  payments: Payments = "sandbox",
  socketOrigins: readonly string[] = [],
): { html: string; scriptHashes: string[] } {
  const document = parse(html, { sourceCodeLocationInfo: true });
  const all = [...elements(document)];
  if (all.some((e) => e.tagName === "meta" && attribute(e, "http-equiv")?.toLowerCase() === "content-security-policy")) {
    throw new Error("the page already has a Content-Security-Policy meta element (`npm run build` exports afresh)");
  }
  const scriptHashes = [
    ...new Set(
      all
        .filter((e) => e.tagName === "script" && attribute(e, "src") === undefined)
        .map((e) => scriptHash(e.childNodes.map((n) => ("value" in n ? n.value : "")).join(""))),
    ),
  ];
  const head = all.find((e) => e.tagName === "head");
  const headStart = head?.sourceCodeLocation?.startTag?.endOffset;
  if (head === undefined || headStart === undefined) throw new Error("the page has no <head> tag to put its policy in");
  const first = head.childNodes.find(isElement);
  const charset = first?.tagName === "meta" && attribute(first, "charset") !== undefined ? first : undefined;
  const at = charset?.sourceCodeLocation?.endOffset ?? headStart;
  const policy = pagePolicy(scriptHashes, mediaOrigins, payments, socketOrigins).replaceAll("&", "&amp;").replaceAll('"', "&quot;");
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}"/>`;
  return { html: html.slice(0, at) + meta + html.slice(at), scriptHashes };
}

/** Gives every page under `dir` its policy and writes the manifest; returns it. */
export async function writePolicies(dir: string, env: Env): Promise<Manifest> {
  const origins = mediaOrigins(env);
  const payments = paymentsOf(env);
  const sockets = socketOrigins(env);
  const hashes = new Set<string>();
  const files = await readdir(dir, { recursive: true });
  for (const file of files.filter((f) => f.endsWith(".html")).sort()) {
    const page = path.join(dir, file);
    try {
      const { html, scriptHashes } = withPolicy(await readFile(page, "utf8"), origins, payments, sockets);
      await writeFile(page, html);
      scriptHashes.forEach((hash) => hashes.add(hash));
    } catch (error) {
      throw new Error(`${page}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  const manifest: Manifest = { scriptHashes: [...hashes].sort(), mediaOrigins: origins, socketOrigins: sockets };
  await writeFile(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = fileURLToPath(new URL("../out", import.meta.url));
  const manifest = await writePolicies(out, process.env);
  const media = manifest.mediaOrigins.join(", ") || "this origin";
  const payments = paymentsOf(process.env) === "stripe" ? "; Stripe.js allowed" : "";
  const socket = manifest.socketOrigins.map((origin) => `; live socket at ${origin}`).join("");
  console.log(
    `Content-Security-Policy: ${manifest.scriptHashes.length} inline script hashes; media from ${media}${payments}${socket}`,
  );
}
