import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { registerWebRoutes } from './web-routes.js';

function appOver(root: string): Hono {
  const app = new Hono();
  app.get('/v1/stats', (c) => c.json({ counts: {} }));
  registerWebRoutes(app, { root });
  app.notFound((c) => c.json({ error: { type: 'not_found', message: `no route ${c.req.path}` } }, 404));
  return app;
}

function built(): string {
  const root = mkdtempSync(join(tmpdir(), 'strata-web-root-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Strata</title>');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(root, '..', 'outside.txt'), 'secret');
  return root;
}

describe('the dashboard files', () => {
  it('serves the page at / and at every page path, the assets with their type, and leaves the API alone', async () => {
    const app = appOver(built());
    const home = await app.request('/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toContain('text/html');
    expect(await home.text()).toContain('<title>Strata</title>');
    // no other site's script runs in it, and no other site can frame it
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(home.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // a reload on a page of the app gets the app, which shows that page
    const deep = await app.request('/customers/C0000001');
    expect(await deep.text()).toContain('<title>Strata</title>');
    const js = await app.request('/assets/index-abc123.js');
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).toBe('console.log(1)');
    // a missing asset and an unknown API path are 404s, not the page
    expect((await app.request('/assets/index-old.js')).status).toBe(404);
    const api = await app.request('/v1/nothing');
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { type: 'not_found' } });
    expect(await (await app.request('/v1/stats')).json()).toEqual({ counts: {} });
  });

  it('never serves a file outside its folder', async () => {
    const app = appOver(built());
    for (const path of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt', '/%E0%A4%A']) {
      const r = await app.request(path);
      expect(await r.text()).not.toContain('secret');
    }
  });

  it('says how to build the dashboard when it is not built', async () => {
    const app = appOver(mkdtempSync(join(tmpdir(), 'strata-web-empty-')));
    const r = await app.request('/');
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('npm run build');
  });
});
