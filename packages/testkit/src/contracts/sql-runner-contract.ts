import { afterAll, beforeAll, describe, expect } from 'vitest';
import { AppError, type LoadColumnType, type SqlParam, type SqlRunner } from '@strata/core';
import { checkExceptions, contractCase, type ContractExceptions } from './contract-cases.js';

/**
 * What `SqlRunner` (core/src/ports.ts) promises, as tests every adapter runs. The SQL is written in
 * the part of the language DuckDB and PostgreSQL share, so a difference is the adapter's, not the
 * test's.
 */
export const sqlRunnerCases = {
  numbers: 'integers, big integers, decimals and doubles come back as JS numbers',
  times: 'times come back as ISO 8601 UTC strings, whatever zone they were written in',
  zonelessTimes: 'times without a zone are read as UTC, whatever the time zone of the process',
  dates: 'dates come back as YYYY-MM-DD',
  plainValues: 'text, booleans, NULL and JSON come back as plain values (JSON as its text)',
  parameters: 'parameters of every kind are bound as values and read back unchanged',
  injection: 'a parameter that looks like SQL is stored literally and runs nothing',
  loadTypes: 'loadTable stores every column type and reads it back as plain values',
  loadTypedColumns: 'loadTable columns have their SQL types: arithmetic on numbers, comparison on times',
  loadReplaces: 'loadTable replaces a table of the same name',
  loadEmpty: 'loadTable with no rows creates the empty table',
  loadMany: 'loadTable stores every row of a large load',
  loadBadName: 'loadTable refuses a name that is not a plain identifier with AppError invalid, creating nothing',
  commit: 'a transaction commits all its statements and returns what fn returned',
  sqlFailure: 'a failing statement in a transaction leaves nothing of the transaction behind',
  thrownError: 'an error thrown by fn rolls the transaction back and reaches the caller unchanged',
  loadInTransaction: 'loadTable inside a failed transaction leaves no table behind',
  nested: 'a nested transaction is part of the outer one: it rolls back with it',
  isolation: 'a statement outside a transaction never sees half of it',
  engineError: 'a statement the engine refuses rejects with an Error naming what is wrong',
  constraint: 'a key written twice rejects with the engine’s duplicate-key error and stores nothing new',
  usableAfterError: 'the runner stays usable after a failed statement and a failed transaction',
  readRows: 'read returns committed rows as query does, parameters bound as values',
  readTimeout: 'a read past its time limit is stopped in the engine with AppError too_costly; the runner stays usable',
  readBesideWrite: 'a read does not wait for a write transaction in progress, and does not see it',
} as const;
export type SqlRunnerCase = keyof typeof sqlRunnerCases;

export interface SqlRunnerContractOptions extends ContractExceptions<SqlRunnerCase> {
  /** The adapter's name as the test titles show it. */
  name: string;
  /** A runner on an empty, writable database; closed after the suite. */
  open(): Promise<{ runner: SqlRunner; close: () => Promise<void> }>;
}

const TEXTS = ['Müller & Søn 🙂', 'it\'s "quoted"', 'line one\nline two', ''];

/** Registers the SqlRunner contract suite for one adapter. */
export function describeSqlRunnerContract(options: SqlRunnerContractOptions): void {
  checkExceptions(options);
  describe(`SqlRunner contract: ${options.name}`, () => {
    let db: SqlRunner;
    let close: (() => Promise<void>) | undefined;
    let tables = 0;
    /** A fresh table name per case, so cases never see each other's rows. */
    const freshTable = async () => {
      const name = `contract_t${++tables}`;
      await db.exec(`DROP TABLE IF EXISTS ${name}`);
      return name;
    };
    const count = async (table: string) =>
      Number((await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n);
    const tableExists = async (table: string) =>
      Number(
        (
          await db.query<{ n: number }>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = $1`, [
            table,
          ])
        )[0]?.n,
      ) > 0;
    const keyedTable = async () => {
      const t = await freshTable();
      await db.exec(`CREATE TABLE ${t} (id BIGINT PRIMARY KEY, note TEXT)`);
      return t;
    };
    const check = (name: SqlRunnerCase, body: () => Promise<void>) => contractCase(sqlRunnerCases, options, name, body);

    beforeAll(async () => {
      const opened = await options.open();
      db = opened.runner;
      close = opened.close;
    });
    afterAll(async () => {
      await close?.();
    });

    /* ---- rows ---- */

    check('numbers', async () => {
      const [row] = await db.query(
        `SELECT CAST(42 AS INTEGER) AS small, CAST(9007199254740991 AS BIGINT) AS big, CAST(-12.34 AS NUMERIC(10, 2)) AS money,
           CAST(0.1 AS DOUBLE PRECISION) AS ratio, count(*) AS n FROM (SELECT 1 AS x UNION ALL SELECT 2) AS two`,
      );
      expect(row).toEqual({ small: 42, big: 9007199254740991, money: -12.34, ratio: 0.1, n: 2 });
    });

    check('times', async () => {
      const t = await freshTable();
      await db.exec(`CREATE TABLE ${t} (k INTEGER, seen TIMESTAMPTZ)`);
      await db.exec(
        `INSERT INTO ${t} VALUES (1, CAST('2024-05-01T10:00:00Z' AS TIMESTAMPTZ)), (2, CAST('2024-05-01 12:30:00.25+02:30' AS TIMESTAMPTZ)),
           (3, CAST('2024-12-31T23:59:59.999-05:00' AS TIMESTAMPTZ)), (4, NULL)`,
      );
      expect(await db.query(`SELECT seen FROM ${t} ORDER BY k`)).toEqual([
        { seen: '2024-05-01T10:00:00.000Z' },
        { seen: '2024-05-01T10:00:00.250Z' },
        { seen: '2025-01-01T04:59:59.999Z' },
        { seen: null },
      ]);
    });

    check('zonelessTimes', async () => {
      const before = process.env.TZ;
      // A shop's server is rarely set to UTC: the rows must not depend on it.
      process.env.TZ = 'America/New_York';
      try {
        expect(new Date(2024, 4, 1).getTimezoneOffset()).not.toBe(0);
        const [row] = await db.query(`SELECT CAST('2024-05-01 10:00:00' AS TIMESTAMP) AS seen`);
        expect(row).toEqual({ seen: '2024-05-01T10:00:00.000Z' });
      } finally {
        if (before === undefined) delete process.env.TZ;
        else process.env.TZ = before;
      }
    });

    check('dates', async () => {
      const [row] = await db.query(
        `SELECT CAST('2024-02-29' AS DATE) AS leap, CAST('1999-12-31' AS DATE) AS eve, CAST(NULL AS DATE) AS unknown`,
      );
      expect(row).toEqual({ leap: '2024-02-29', eve: '1999-12-31', unknown: null });
    });

    check('plainValues', async () => {
      const [row] = await db.query(
        `SELECT 'Müller 🙂' AS name, true AS yes, false AS no, CAST(NULL AS TEXT) AS nothing, CAST('{"tier":"gold","n":[1,2]}' AS JSON) AS props`,
      );
      expect(row).toMatchObject({ name: 'Müller 🙂', yes: true, no: false, nothing: null });
      // Each engine prints JSON its own way (spaces); the value is what counts.
      expect(typeof row?.props).toBe('string');
      expect(JSON.parse(row?.props as string)).toEqual({ tier: 'gold', n: [1, 2] });
    });

    /* ---- parameters ---- */

    check('parameters', async () => {
      const t = await freshTable();
      await db.exec(`CREATE TABLE ${t} (s TEXT, d DOUBLE PRECISION, i BIGINT, b BOOLEAN, seen TIMESTAMPTZ)`);
      const rows: SqlParam[][] = [
        ...TEXTS.map((s, k): SqlParam[] => [s, k + 0.5, k, k % 2 === 0, '2024-05-01T10:00:00.000Z']),
        [null, null, null, null, null],
        ['big', -1e-9, 9007199254740991, false, '2024-05-01T12:00:00+02:00'],
      ];
      for (const r of rows) await db.exec(`INSERT INTO ${t} VALUES ($1, $2, $3, $4, $5)`, r);
      const byJson = (a: unknown[], b: unknown[]) => JSON.stringify(a).localeCompare(JSON.stringify(b));
      const back = await db.query(`SELECT s, d, i, b, seen FROM ${t}`);
      expect(back.map((r) => Object.values(r)).sort(byJson)).toEqual(
        rows
          .map((r) => [r[0], r[1], r[2], r[3], r[4] === null ? null : new Date(r[4] as string).toISOString()])
          .sort(byJson),
      );
      // A parameter used twice, and one compared with a column.
      const [hit] = await db.query(
        `SELECT count(*) AS n, min(i) AS lo FROM ${t} WHERE s = $1 OR (i > $2 AND i < $2 + 2)`,
        ['it\'s "quoted"', 2],
      );
      expect(hit).toEqual({ n: 2, lo: 1 });
    });

    check('injection', async () => {
      const t = await freshTable();
      await db.exec(`CREATE TABLE ${t} (name TEXT)`);
      const hostile = [`x'); DROP TABLE ${t}; --`, `' OR '1'='1`, `$1`, `\\'; DELETE FROM ${t}; --`];
      for (const h of hostile) await db.exec(`INSERT INTO ${t} (name) VALUES ($1)`, [h]);
      expect((await db.query<{ name: string }>(`SELECT name FROM ${t}`)).map((r) => r.name).sort()).toEqual(
        [...hostile].sort(),
      );
      expect(await db.query(`SELECT name FROM ${t} WHERE name = $1`, [`' OR '1'='1`])).toEqual([
        { name: `' OR '1'='1` },
      ]);
      expect(await db.query(`SELECT name FROM ${t} WHERE name = $1`, [`nobody' OR '1'='1`])).toEqual([]);
    });

    /* ---- loadTable ---- */

    const allTypes: readonly (readonly [string, LoadColumnType])[] = [
      ['k', 'integer'],
      ['label', 'text'],
      ['amount', 'double'],
      ['active', 'boolean'],
      ['seen_at', 'timestamp'],
    ];

    check('loadTypes', async () => {
      const t = await freshTable();
      await db.loadTable(t, allTypes, [
        [1, TEXTS[0]!, 0.1, true, '2024-05-01T10:00:00.000Z'],
        [2, TEXTS[1]!, -1234.5, false, '2024-05-01T12:00:00+02:00'],
        [3, TEXTS[2]!, 1e15, true, '2024-02-29T23:59:59.999Z'],
        [4, TEXTS[3]!, 0, false, null],
        [9007199254740991, null, undefined, null, undefined],
      ]);
      expect(await db.query(`SELECT k, label, amount, active, seen_at FROM ${t} ORDER BY k`)).toEqual([
        { k: 1, label: TEXTS[0], amount: 0.1, active: true, seen_at: '2024-05-01T10:00:00.000Z' },
        { k: 2, label: TEXTS[1], amount: -1234.5, active: false, seen_at: '2024-05-01T10:00:00.000Z' },
        { k: 3, label: TEXTS[2], amount: 1e15, active: true, seen_at: '2024-02-29T23:59:59.999Z' },
        { k: 4, label: TEXTS[3], amount: 0, active: false, seen_at: null },
        { k: 9007199254740991, label: null, amount: null, active: null, seen_at: null },
      ]);
    });

    check('loadTypedColumns', async () => {
      const t = await freshTable();
      await db.loadTable(t, allTypes, [
        [1, 'a', 2.5, true, '2024-05-01T10:00:00.000Z'],
        [2, 'b', 4, false, '2024-06-01T10:00:00.000Z'],
      ]);
      const [row] = await db.query(
        `SELECT sum(k * 10) AS k10, sum(amount) AS total, count(*) FILTER (WHERE active) AS active,
           count(*) FILTER (WHERE seen_at < CAST($1 AS TIMESTAMPTZ)) AS before_june, max(seen_at) AS latest FROM ${t}`,
        ['2024-05-15T00:00:00Z'],
      );
      expect(row).toEqual({ k10: 30, total: 6.5, active: 1, before_june: 1, latest: '2024-06-01T10:00:00.000Z' });
    });

    check('loadReplaces', async () => {
      const t = await freshTable();
      await db.loadTable(t, [['a', 'text']], [['old'], ['old']]);
      await db.loadTable(t, [['b', 'integer']], [[7]]);
      expect(await db.query(`SELECT * FROM ${t}`)).toEqual([{ b: 7 }]);
    });

    check('loadEmpty', async () => {
      const t = await freshTable();
      await db.loadTable(t, allTypes, []);
      expect(await count(t)).toBe(0);
      const columns = await db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
        [t],
      );
      expect(columns.map((c) => c.column_name)).toEqual(allTypes.map(([c]) => c));
    });

    check('loadMany', async () => {
      const t = await freshTable();
      const n = 70_001; // more than one statement's worth where the engine batches parameters
      await db.loadTable(
        t,
        [
          ['k', 'integer'],
          ['label', 'text'],
        ],
        (function* () {
          for (let k = 0; k < n; k++) yield [k, `c${k}`];
        })(),
      );
      expect(
        await db.query(`SELECT count(*) AS n, count(DISTINCT label) AS labels, sum(k) AS total FROM ${t}`),
      ).toEqual([{ n, labels: n, total: (n * (n - 1)) / 2 }]);
    });

    check('loadBadName', async () => {
      const victim = await keyedTable();
      await db.exec(`INSERT INTO ${victim} VALUES (1, 'kept')`);
      for (const name of [`${victim}; DROP TABLE ${victim}`, 'Capitalised', '1starts_with_digit', '"quoted"', '']) {
        const error = await db.loadTable(name, [['a', 'text']], [['x']]).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, name).toBeInstanceOf(AppError);
        expect(error, name).toMatchObject({ kind: 'invalid' });
        expect((error as AppError).message, name).toContain(name);
      }
      expect(await count(victim)).toBe(1);
    });

    /* ---- transactions ---- */

    check('commit', async () => {
      const t = await keyedTable();
      const result = await db.transaction(async (tx) => {
        await tx.exec(`INSERT INTO ${t} VALUES (1, 'a')`);
        await tx.exec(`INSERT INTO ${t} VALUES ($1, $2)`, [2, 'b']);
        // A transaction reads its own writes.
        return (await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))[0]?.n;
      });
      expect(result).toBe(2);
      expect(await count(t)).toBe(2);
    });

    check('sqlFailure', async () => {
      const t = await keyedTable();
      await db.exec(`INSERT INTO ${t} VALUES (1, 'before')`);
      await expect(
        db.transaction(async (tx) => {
          await tx.exec(`UPDATE ${t} SET note = 'changed'`);
          await tx.exec(`INSERT INTO ${t} VALUES (2, 'new')`);
          await tx.exec(`INSERT INTO ${t} VALUES (3, 'new'), (3, 'twice')`);
        }),
      ).rejects.toThrow();
      expect(await db.query(`SELECT id, note FROM ${t}`)).toEqual([{ id: 1, note: 'before' }]);
    });

    check('thrownError', async () => {
      const t = await keyedTable();
      const thrown = new AppError('conflict', 'the caller changed its mind');
      await expect(
        db.transaction(async (tx) => {
          await tx.exec(`INSERT INTO ${t} VALUES (1, 'a')`);
          throw thrown;
        }),
      ).rejects.toBe(thrown);
      expect(await count(t)).toBe(0);
    });

    check('loadInTransaction', async () => {
      const t = await freshTable();
      await expect(
        db.transaction(async (tx) => {
          await tx.loadTable(t, [['a', 'text']], [['x']]);
          await tx.exec(`SELECT * FROM contract_no_such_table`);
        }),
      ).rejects.toThrow();
      expect(await tableExists(t)).toBe(false);
    });

    check('nested', async () => {
      const t = await keyedTable();
      await expect(
        db.transaction(async (tx) => {
          await tx.transaction((inner) => inner.exec(`INSERT INTO ${t} VALUES (1, 'inner')`));
          await tx.exec(`INSERT INTO ${t} VALUES (1, 'outer again')`);
        }),
      ).rejects.toThrow();
      expect(await count(t)).toBe(0);
    });

    check('isolation', async () => {
      const t = await keyedTable();
      let outside: Promise<number> | undefined;
      await db.transaction(async (tx) => {
        await tx.exec(`INSERT INTO ${t} VALUES (1, 'first half')`);
        // Not awaited here: an engine may make it wait for the transaction to end.
        outside = count(t);
        await tx.exec(`INSERT INTO ${t} VALUES (2, 'second half')`);
      });
      expect([0, 2]).toContain(await outside);
    });

    /* ---- errors ---- */

    check('engineError', async () => {
      await expect(db.query(`SELECT * FROM contract_no_such_table`)).rejects.toThrow(/contract_no_such_table/);
      await expect(db.exec(`SELEC 1`)).rejects.toThrow(/syntax/i);
      const error = await db.query(`SELECT no_such_column FROM (SELECT 1 AS x) AS one`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain('no_such_column');
    });

    check('constraint', async () => {
      const t = await keyedTable();
      await db.exec(`INSERT INTO ${t} VALUES (1, 'first')`);
      await expect(db.exec(`INSERT INTO ${t} VALUES ($1, $2)`, [1, 'second'])).rejects.toThrow(/duplicate key/i);
      expect(await db.query(`SELECT id, note FROM ${t}`)).toEqual([{ id: 1, note: 'first' }]);
    });

    /* ---- reads on their own connection ---- */

    check('readRows', async () => {
      const t = await keyedTable();
      await db.exec(`INSERT INTO ${t} VALUES (1, 'one'), (2, 'two'), (3, 'three')`);
      const rows = await db.read<{ id: number; note: string }>(`SELECT id, note FROM ${t} WHERE id >= $1 ORDER BY id`, [2], { timeoutMs: 30_000 });
      expect(rows).toEqual([
        { id: 2, note: 'two' },
        { id: 3, note: 'three' },
      ]);
      expect(await db.read(`SELECT note FROM ${t} WHERE note = $1`, ["one' OR '1'='1"], { timeoutMs: 30_000 })).toEqual([]);
    });

    check('readTimeout', async () => {
      // Minutes of work in either engine: 4·10¹⁰ joined rows.
      const heavy = `SELECT sum(a.x * b.x) AS n FROM generate_series(1, 200000) AS a(x), generate_series(1, 200000) AS b(x)`;
      const started = performance.now();
      const error = await db.read(heavy, [], { timeoutMs: 300 }).catch((e: unknown) => e);
      const took = performance.now() - started;
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).kind).toBe('too_costly');
      expect((error as AppError).message).toMatch(/time limit/);
      expect(took).toBeLessThan(20_000); // stopped, not left to finish
      expect(await db.read<{ n: number }>(`SELECT 1 + 1 AS n`, [], { timeoutMs: 30_000 })).toEqual([{ n: 2 }]);
    });

    check('readBesideWrite', async () => {
      const t = await keyedTable();
      await db.exec(`INSERT INTO ${t} VALUES (1, 'committed')`);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let inside!: () => void;
      const started = new Promise<void>((r) => (inside = r));
      const writing = db.transaction(async (tx) => {
        await tx.exec(`INSERT INTO ${t} VALUES (2, 'not yet committed')`);
        inside();
        await held;
      });
      await started;
      // Answered while the transaction is still open: it would hang here if reads waited for it.
      const seen = await db.read<{ id: number }>(`SELECT id FROM ${t} ORDER BY id`, [], { timeoutMs: 30_000 });
      release();
      await writing;
      expect(seen).toEqual([{ id: 1 }]);
      expect(await count(t)).toBe(2);
    });

    check('usableAfterError', async () => {
      const t = await keyedTable();
      await expect(db.exec(`INSERT INTO ${t} VALUES ('not a number', 'x')`)).rejects.toThrow();
      await expect(db.transaction((tx) => tx.exec(`SELEC 1`))).rejects.toThrow();
      await db.exec(`INSERT INTO ${t} VALUES (1, 'after')`);
      await db.transaction((tx) => tx.exec(`INSERT INTO ${t} VALUES (2, 'after')`));
      expect(await count(t)).toBe(2);
    });
  });
}
