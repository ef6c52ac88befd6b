import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BatchCounts, WriteBatch } from '@strata/core';
import { importFile } from './importer.js';

/** A writer that keeps what it is given, as a store would, counting re-sent ids as unchanged. */
class MemoryWriter {
  readonly rows = new Map<string, unknown>();
  batches = 0;
  write(batch: WriteBatch): Promise<BatchCounts> {
    this.batches++;
    const counts: BatchCounts = {};
    for (const [entity, rows] of Object.entries(batch) as [
      keyof BatchCounts,
      { id?: string; message_id?: string; sku?: string }[],
    ][]) {
      const c = { inserted: 0, updated: 0, unchanged: 0 };
      for (const r of rows) {
        const key = `${entity}:${r.id ?? r.message_id ?? r.sku ?? JSON.stringify(r)}`;
        const before = this.rows.get(key);
        if (before === undefined) c.inserted++;
        else if (JSON.stringify(before) === JSON.stringify(r)) c.unchanged++;
        else c.updated++;
        this.rows.set(key, r);
      }
      counts[entity] = c;
    }
    return Promise.resolve(counts);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'strata-ingest-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('importFile', () => {
  it('keeps good CSV rows and reports each bad one with its line and field', async () => {
    const path = file(
      'customers.csv',
      [
        'id,email,phone,country,consent.email.granted,consent.email.at,tags',
        'c1,ann@example.com,030 1234567,DE,true,2024-01-01T00:00:00Z,vip;gold',
        'c2,not-an-email,,DE,,,',
        'c3,bob@example.com,,DE,maybe,2024-01-01,',
        'c4,cy@example.com,,DE,,,',
        'c5,"unterminated,,,,,',
      ].join('\n'),
    );
    const w = new MemoryWriter();
    const s = await importFile(w, 'customers', path);
    expect(s).toMatchObject({ rows: 5, imported: 2, rejected: 3 });
    expect(s.errors).toEqual([
      { line: 3, field: 'email', message: 'not an email address' },
      { line: 4, field: 'consent.email.granted', message: 'must be true or false' },
      expect.objectContaining({ line: 6, message: expect.stringMatching(/quote/i) }),
    ]);
    const c1 = w.rows.get('customers:c1') as {
      phone: string;
      tags: string[];
      consent: { email: { granted: boolean } };
    };
    expect(c1.phone).toBe('+49301234567');
    expect(c1.tags).toEqual(['vip', 'gold']);
    expect(c1.consent.email.granted).toBe(true);
  });

  it('reports a row with too few cells by its line', async () => {
    const path = file('products.csv', 'sku,name,category,price\nA,Coffee,coffee,9.5\nB,Tea,tea\nC,Mask,beauty,4\n');
    const s = await importFile(new MemoryWriter(), 'products', path);
    expect(s).toMatchObject({ rows: 3, imported: 2, rejected: 1 });
    expect(s.errors).toEqual([{ line: 3, message: 'expected 4 fields as in the header, found 3' }]);
  });

  it('reports JSON syntax errors with line and character position', async () => {
    const path = file(
      'events.jsonl',
      [
        '{"message_id":"m1","customer_id":"c1","type":"page_view","occurred_at":"2024-01-01T00:00:00Z","properties":{"page_kind":"home"}}',
        '{"message_id":"m2","customer_id":"c1","type":"page_view",,}',
        '',
        '{"message_id":"m3","type":"review","occurred_at":"2024-01-01T00:00:00Z","customer_id":"c1","properties":{"rating":9}}',
      ].join('\n'),
    );
    const s = await importFile(new MemoryWriter(), 'events', path);
    expect(s).toMatchObject({ rows: 3, imported: 1, rejected: 2 });
    expect(s.errors[0]).toMatchObject({ line: 2, column: 58 });
    expect(s.errors[1]).toEqual({ line: 4, field: 'properties.rating', message: expect.stringMatching(/5/) });
  });

  it('counts a re-import as skipped and writes in batches', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `L${i},Shop ${i},store,Berlin,DE`);
    const path = file('locations.csv', ['id,name,kind,city,country', ...rows].join('\n'));
    const w = new MemoryWriter();
    expect(await importFile(w, 'locations', path, { batchSize: 10 })).toMatchObject({ imported: 25, skipped: 0 });
    expect(w.batches).toBe(3);
    expect(await importFile(w, 'locations', path, { batchSize: 10 })).toMatchObject({ imported: 0, skipped: 25 });
  });

  it('numbers order lines without line_no in file order across batches', async () => {
    const path = file('lines.csv', 'order_id,sku,quantity,unit_price\no1,A,1,2\no1,B,1,3\no2,A,1,2\no1,C,2,1\n');
    const w = new MemoryWriter();
    const seen: unknown[] = [];
    const writer = { write: (b: WriteBatch) => (seen.push(...(b.order_lines ?? [])), w.write(b)) };
    await importFile(writer, 'order_lines', path, { batchSize: 2 });
    expect(
      seen.map((l) => (l as { order_id: string; line_no: number }).order_id + '#' + (l as { line_no: number }).line_no),
    ).toEqual(['o1#1', 'o1#2', 'o2#1', 'o1#3']);
  });

  it('names a missing file and an unknown format', async () => {
    await expect(importFile(new MemoryWriter(), 'customers', join(dir, 'nope.csv'))).rejects.toMatchObject({
      kind: 'not_found',
    });
    await expect(importFile(new MemoryWriter(), 'customers', join(dir, 'x.xlsx'))).rejects.toMatchObject({
      kind: 'invalid',
    });
  });
});
