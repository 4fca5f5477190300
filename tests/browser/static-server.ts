// A static file server on 127.0.0.1 for the browser tests and the demo page (node:http only).
// Each mount maps a URL prefix to a directory; nothing outside the mounts is served. Pages
// are cross-origin isolated (COOP/COEP), so SharedArrayBuffer and ORT's threads are available.

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";

export interface Mount {
  /** URL path prefix, starting and ending with "/", e.g. "/tests/golden/". */
  readonly prefix: string;
  /** The directory served under it. */
  readonly dir: string;
  /** A Content-Type sent for every file of this mount instead of the one its extension gives. */
  readonly contentType?: string;
}

export interface StaticServer {
  /** The server's origin, e.g. "http://127.0.0.1:41234". */
  readonly origin: string;
  /** Every request path received, in order (for tests that check what a page fetched). */
  readonly requests: string[];
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".svg": "image/svg+xml",
  ".onnx": "application/octet-stream",
  ".safetensors": "application/octet-stream",
};

/** Starts serving `mounts` on 127.0.0.1 (`port` 0: any free port). */
export async function startStaticServer(mounts: readonly Mount[], port = 0): Promise<StaticServer> {
  const sorted = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length);
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      res.writeHead(400, { "Content-Type": "text/plain" }).end("bad request path");
      return;
    }
    requests.push(path);
    const file = await resolveFile(sorted, path);
    const headers = {
      "Cache-Control": "no-store",
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    };
    if (!file || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(file ? 405 : 404, { ...headers, "Content-Type": "text/plain" }).end(file ? "method not allowed" : `not found: ${path}`);
      return;
    }
    const body = await readFile(file.path);
    res.writeHead(200, { ...headers, "Content-Type": file.type, "Content-Length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((ok, fail) => server.once("error", fail).listen(port, "127.0.0.1", ok));
  const { port: bound } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${bound}`,
    requests,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** The file a URL path names (a directory serves its index.html), or undefined. */
async function resolveFile(mounts: readonly Mount[], path: string): Promise<{ path: string; type: string } | undefined> {
  const mount = mounts.find((m) => path.startsWith(m.prefix));
  if (!mount) return undefined;
  const root = resolve(mount.dir);
  let file = resolve(root, "." + path.slice(mount.prefix.length - 1));
  if (file !== root && !file.startsWith(root + sep)) return undefined; // ".." out of the mount
  try {
    if ((await stat(file)).isDirectory()) file = join(file, "index.html");
    if (!(await stat(file)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return { path: file, type: mount.contentType ?? CONTENT_TYPES[extname(file)] ?? "application/octet-stream" };
}
