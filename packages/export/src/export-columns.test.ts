import { describe, expect, it } from 'vitest';
import { AppError } from '@strata/core';
import { parseExportColumns, rowColumnsFor } from './export-columns.js';
import { csvCell, csvLine } from './row-text.js';

const refusal = (names: string) => {
  try {
    parseExportColumns(names);
  } catch (e) {
    if (e instanceof AppError) return e;
  }
  throw new Error(`"${names}" was accepted`);
};

describe('export columns', () => {
  it('takes customer fields, profile fields, name parts and consents, in the order given', () => {
    const columns = parseExportColumns('email, phone,first_name,total_spent,sms_consent,customer_id');
    expect(columns.map((c) => c.name)).toEqual([
      'email',
      'phone',
      'first_name',
      'total_spent',
      'sms_consent',
      'customer_id',
    ]);
    expect(columns.map((c) => c.type)).toEqual(['string', 'string', 'string', 'money', 'boolean', 'string']);
    // what the store is asked for
    expect(rowColumnsFor(columns).map((c) => c.value)).toEqual([
      { kind: 'field', field: 'email' },
      { kind: 'field', field: 'phone' },
      { kind: 'namePart', part: 'first' },
      { kind: 'field', field: 'total_spent' },
      { kind: 'consent', channel: 'sms' },
      { kind: 'id' },
    ]);
  });

  it('refuses an unknown column with the closest name, and names every mistake', () => {
    const one = refusal('email,totl_spent');
    expect(one.kind).toBe('invalid');
    expect(one.message).toContain('unknown column "totl_spent"; did you mean "total_spent"?');
    const many = refusal('emial,email,email,,zzzzzz');
    expect(many.message).toMatch(/^4 problems with the columns/);
    expect(many.details.map((d) => d.message)).toEqual([
      'unknown column "emial"; did you mean "email"?',
      '"email" is given twice',
      'empty column name',
      'unknown column "zzzzzz"',
    ]);
    expect(refusal(' , ').message).toContain('no columns given');
  });
});

describe('CSV cells', () => {
  it('quotes only where RFC 4180 needs it', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', null, 12.5, true])).toBe(
      'plain,"a,b","say ""hi""","two\nlines",,12.5,true\n',
    );
    expect(csvCell(undefined)).toBe('');
  });
});
