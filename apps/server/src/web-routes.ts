/*
 * The dashboard (apps/web, built by `npm run build` into apps/web/dist) as static files, with the
 * single-page app's fallback: a GET for a path that is no file and no API route answers
 * index.html, so a reload or a shared link (`/customers/c1`) opens the right page. API paths
 * (`/v1/…`) keep their JSON 404.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Hono } from 'hono';

export interface WebRouteDeps {
  /** The folder with index.html and assets/ (apps/web/dist). */
  root: string;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * The page runs only its own scripts and cannot be framed by another site (clickjacking a
 * logged-in owner); inline styles stay allowed for the charts' computed widths and shades.
 */
const pageHeaders = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/** Paths that belong to the API or to pages the server renders itself, never to the dashboard. */
const serverPaths = /^\/(v1|health|r|q|u)(\/|$)/;

async function fileAt(path: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return await readFile(path);
  } catch {
    return undefined;
  }
}

export function registerWebRoutes(app: Hono, deps: WebRouteDeps): void {
  const root = resolve(deps.root);
  app.get('*', async (c, next) => {
    let path: string;
    try {
      path = decodeURIComponent(c.req.path);
    } catch {
      return next(); // not a path any file has (a stray `%`)
    }
    if (serverPaths.test(path)) return next();
    const wanted = resolve(join(root, path));
    // `..` in a path never leaves the dashboard's folder.
    if (wanted !== root && !wanted.startsWith(root + sep)) return next();
    const file = path.endsWith('/') ? undefined : await fileAt(wanted);
    if (file) {
      // Vite puts a content hash in every asset's name: those never change under one name.
      const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      return c.body(new Uint8Array(file), 200, {
        ...pageHeaders,
        'content-type': contentTypes[extname(wanted)] ?? 'application/octet-stream',
        'cache-control': cache,
      });
    }
    // A missing asset is a 404, not the page (a stale tab asking for an old bundle).
    if (path.startsWith('/assets/')) return next();
    const index = await fileAt(join(root, 'index.html'));
    if (!index)
      return c.text(
        `The dashboard is not built (no ${join(root, 'index.html')}): run \`npm run build\`. The API is at /v1.`,
        404,
      );
    return c.body(new Uint8Array(index), 200, {
      ...pageHeaders,
      'content-type': contentTypes['.html']!,
      'cache-control': 'no-cache',
    });
  });
}
