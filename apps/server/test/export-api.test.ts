/**
 * Exports over HTTP: the counts in X-Strata-Export before the file, the file streamed with its
 * length, mistakes answered as JSON errors before any byte of a file, and the temporary file gone
 * once the file is read or the client stops reading.
 */
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Customer, Order } from '@strata/core';
import { startServer, type RunningServer } from '@strata/server';
import { apiFetch } from './api-fetch.js';

const keys = { writeKey: 'wk', apiKey: 'api-key-1', webhookSecret: 'secret' };
const root = mkdtempSync(join(tmpdir(), 'strata-export-api-'));
const temp = join(root, 'tmp');
let server: RunningServer;
let previousTmp: string | undefined;

const api = apiFetch(() => server.url, keys.apiKey);
/** The temporary files are removed once the server has sent the last byte (or the client left). */
async function gone(): Promise<void> {
  for (let i = 0; i < 100 && readdirSync(temp).length; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(readdirSync(temp)).toEqual([]);
}
const summaryOf = (r: Response) => JSON.parse(r.headers.get('x-strata-export') ?? 'null') as Record<string, unknown>;

beforeAll(async () => {
  // the export's temporary files go here, where the test can see them
  mkdirSync(temp);
  previousTmp = process.env.TMPDIR;
  process.env.TMPDIR = temp;
  server = await startServer({ dbPath: join(root, 's.duckdb'), port: 0, keys });
  const granted = { granted: true, at: '2026-01-01T00:00:00Z' };
  const customers = Array.from({ length: 3000 }, (_, i) =>
    Customer.parse({
      id: `c${String(i).padStart(4, '0')}`,
      email: `p${i}@example.com`,
      name: `Pat ${i}`,
      country: 'DE',
      consent: i % 3 ? { email: granted } : {},
    }),
  );
  await server.store.write({
    customers,
    orders: customers.map((c, i) =>
      Order.parse({
        id: `o${i}`,
        customer_id: c.id,
        location_id: 'online',
        placed_at: '2026-10-01T10:00:00Z',
        currency: 'EUR',
        total: 10 + (i % 50),
      }),
    ),
  });
  expect(
    (await api('/v1/profiles/compute', { method: 'POST', body: JSON.stringify({ as_of: '2026-11-01T00:00:00Z' }) }))
      .status,
  ).toBe(200);
});
afterAll(async () => {
  await server?.close();
  if (previousTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previousTmp;
});

describe('exports over HTTP', () => {
  it("streams a saved segment's file with its counts first, and removes the temporary file", async () => {
    const saved = (await (
      await api('/v1/segments', {
        method: 'POST',
        body: JSON.stringify({ name: 'Big baskets', text: 'total_spent >= 55' }),
      })
    ).json()) as { id: string };
    const r = await api(`/v1/segments/${saved.id}/export?format=csv&columns=customer_id,total_spent,email_consent`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="Big-baskets.csv"');
    expect(summaryOf(r)).toEqual({
      format: 'csv',
      columns: ['customer_id', 'total_spent', 'email_consent'],
      as_of: '2026-11-01T00:00:00.000Z',
      members: 300,
      rows: 300,
      left_out: { no_consent: 0, no_contact: 0 },
    });
    const text = await r.text();
    expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBe(301);
    expect(lines.slice(0, 3)).toEqual(['customer_id,total_spent,email_consent', 'c0045,55.0,false', 'c0046,56.0,true']);
    await gone();
  });

  it('exports an unsaved query as a Google audience, consent applied and counted', async () => {
    const r = await api('/v1/segments/export', {
      method: 'POST',
      body: JSON.stringify({ text: 'total_spent >= 58', format: 'google' }),
    });
    expect(r.status).toBe(200);
    expect(summaryOf(r)).toMatchObject({ members: 120, rows: 80, left_out: { no_consent: 40, no_contact: 0 } });
    expect((await r.text()).trimEnd().split('\n')).toHaveLength(81);
  });

  it('removes the temporary file when the client stops reading', async () => {
    const r = await api('/v1/profiles/export?format=jsonl&columns=customer_id,email,first_name,last_name,country');
    expect(r.status).toBe(200);
    expect(summaryOf(r)).toMatchObject({ members: 3000, rows: 3000 });
    const reader = r.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value).split('\n')[0]).toBe(
      '{"customer_id":"c0000","email":"p0@example.com","first_name":"Pat","last_name":"0","country":"DE"}',
    );
    await reader.cancel();
    await gone();
  });

  it('answers mistakes as JSON errors before any file exists', async () => {
    const unknown = await api('/v1/profiles/export?columns=customer_id,totl_spent');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain(
      'did you mean "total_spent"',
    );
    const format = await api('/v1/profiles/export?format=xlsx');
    expect(format.status).toBe(400);
    expect(((await format.json()) as { error: { details: { field: string }[] } }).error.details[0]?.field).toBe(
      'format',
    );
    expect((await api('/v1/segments/nope/export')).status).toBe(404);
    const query = await api('/v1/segments/export', {
      method: 'POST',
      body: JSON.stringify({ text: 'totl_spent > 1' }),
    });
    expect(query.status).toBe(400);
    expect(
      ((await query.json()) as { error: { diagnostics: { span: unknown }[] } }).error.diagnostics[0]?.span,
    ).toEqual({ start: 0, end: 10 });
    const columns = await api('/v1/segments/export', {
      method: 'POST',
      body: JSON.stringify({ text: 'order_count > 0', format: 'meta', columns: ['email'] }),
    });
    expect(columns.status).toBe(400);
    expect((await api('/v1/profiles/export', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(readdirSync(temp)).toEqual([]);
  });
});
