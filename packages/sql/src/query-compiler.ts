import type { FromItem, IntervalUnit, OrderItem, SelectNode, SqlExpr, SqlKind, SqlNode, SqlType } from './sql-ir.js';

/** SQL text with `$1…$n` placeholders, and the values that go with them. */
export interface CompiledQuery {
  readonly sql: string;
  readonly params: readonly (string | number | boolean | null)[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

type Visitors = { [K in SqlKind]: (node: Extract<SqlNode, { kind: K }>) => void };

/**
 * The default query compiler: one visitor per node kind (a `Record` over every kind, so a new kind
 * without a visitor is a type error). Dialects subclass it and override only what they spell
 * differently. Not reusable across queries: make one per compile.
 */
export class QueryCompiler {
  protected out = '';
  protected params: (string | number | boolean | null)[] = [];

  compile(node: SelectNode): CompiledQuery {
    this.out = '';
    this.params = [];
    this.visit(node);
    return { sql: this.out, params: this.params };
  }

  protected emit(text: string): void {
    this.out += text;
  }

  protected visit(node: SqlNode): void {
    (this.visitors[node.kind] as (n: SqlNode) => void)(node);
  }

  protected identifier(name: string): string {
    // Names come from the catalog or the compiler's own schema; anything else is a bug, not input.
    if (!IDENTIFIER.test(name)) throw new Error(`refusing to emit identifier ${JSON.stringify(name)}`);
    return `"${name}"`;
  }

  protected placeholder(index: number): string {
    return `$${index}`;
  }

  protected typeName(type: SqlType): string {
    return {
      double: 'DOUBLE PRECISION',
      integer: 'BIGINT',
      text: 'VARCHAR',
      boolean: 'BOOLEAN',
      timestamp: 'TIMESTAMPTZ',
      date: 'DATE',
      money: 'DECIMAL(18,4)',
    }[type];
  }

  protected list(items: readonly SqlNode[], sep = ', '): void {
    items.forEach((item, i) => {
      if (i > 0) this.emit(sep);
      this.visit(item);
    });
  }

  protected orderBy(items: readonly OrderItem[]): void {
    items.forEach((o, i) => {
      if (i > 0) this.emit(', ');
      this.visit(o.expr);
      this.emit(o.direction === 'desc' ? ' DESC' : ' ASC');
    });
  }

  protected fromItem(f: FromItem): void {
    switch (f.kind) {
      case 'table':
        this.emit(`${this.identifier(f.name)} AS ${this.identifier(f.alias)}`);
        return;
      case 'derived':
        this.emit('(');
        this.visit(f.query);
        this.emit(`) AS ${this.identifier(f.alias)}`);
        return;
      case 'series':
        this.series(f.to, f.alias, f.column);
        return;
    }
  }

  /** Integers 0..to as a table. */
  protected series(to: SqlExpr, alias: string, column: string): void {
    this.emit('generate_series(0, ');
    this.visit(to);
    this.emit(`) AS ${this.identifier(alias)}(${this.identifier(column)})`);
  }

  /** `amount` (a whole number) × one unit, as an interval. */
  protected interval(amount: SqlExpr, unit: IntervalUnit): void {
    this.emit('(CAST(');
    this.visit(amount);
    this.emit(` AS INTEGER) * INTERVAL '1 ${unit}')`);
  }

  protected listContains(list: SqlExpr, value: SqlExpr): void {
    this.emit('EXISTS (SELECT 1 FROM unnest(');
    this.visit(list);
    this.emit(') AS elem(v) WHERE lower(elem.v) = lower(');
    this.visit(value);
    this.emit('))');
  }

  protected listHas(list: SqlExpr, value: SqlExpr): void {
    this.emit('(');
    this.visit(value);
    this.emit(' = ANY(');
    this.visit(list);
    this.emit('))');
  }

  protected jsonText(operand: SqlExpr, key: SqlExpr): void {
    this.emit('(');
    this.visit(operand);
    this.emit(' ->> ');
    this.visit(key);
    this.emit(')');
  }

  protected epoch(operand: SqlExpr): void {
    this.emit('extract(epoch FROM ');
    this.visit(operand);
    this.emit(')');
  }

  protected percentileCont(fraction: SqlExpr, value: SqlExpr): void {
    this.emit('percentile_cont(');
    this.visit(fraction);
    this.emit(') WITHIN GROUP (ORDER BY ');
    this.visit(value);
    this.emit(')');
  }

  protected isoTime(operand: SqlExpr): void {
    this.emit('to_char((');
    this.visit(operand);
    this.emit(`) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
  }

  protected readonly visitors: Visitors = {
    select: (n) => {
      this.emit(n.distinct ? 'SELECT DISTINCT ' : 'SELECT ');
      n.columns.forEach((c, i) => {
        if (i > 0) this.emit(', ');
        this.visit(c.expr);
        if (c.alias) this.emit(` AS ${this.identifier(c.alias)}`);
      });
      this.emit(' FROM ');
      this.fromItem(n.from);
      for (const j of n.joins) {
        this.emit(j.type === 'left' ? ' LEFT JOIN ' : ' JOIN ');
        this.fromItem(j.from);
        this.emit(' ON ');
        this.visit(j.on);
      }
      if (n.where) {
        this.emit(' WHERE ');
        this.visit(n.where);
      }
      if (n.groupBy.length) {
        this.emit(' GROUP BY ');
        this.list(n.groupBy);
      }
      if (n.having) {
        this.emit(' HAVING ');
        this.visit(n.having);
      }
      if (n.orderBy.length) {
        this.emit(' ORDER BY ');
        this.orderBy(n.orderBy);
      }
      if (n.limit) {
        this.emit(' LIMIT ');
        this.visit(n.limit);
      }
      if (n.offset) {
        this.emit(' OFFSET ');
        this.visit(n.offset);
      }
    },
    column: (n) => this.emit(`${this.identifier(n.table)}.${this.identifier(n.name)}`),
    param: (n) => {
      this.params.push(n.value);
      this.emit(this.placeholder(this.params.length));
    },
    number: (n) => {
      if (!Number.isFinite(n.value)) throw new Error(`not a finite number: ${n.value}`);
      this.emit(String(n.value));
    },
    boolean: (n) => this.emit(n.value ? 'TRUE' : 'FALSE'),
    string: (n) => {
      if (!/^[A-Za-z0-9_ -]*$/.test(n.value)) throw new Error(`refusing to emit literal ${JSON.stringify(n.value)}`);
      this.emit(`'${n.value}'`);
    },
    star: () => this.emit('*'),
    binary: (n) => {
      this.emit('(');
      this.visit(n.left);
      this.emit(` ${n.op} `);
      this.visit(n.right);
      this.emit(')');
    },
    not: (n) => {
      this.emit('(NOT ');
      this.visit(n.operand);
      this.emit(')');
    },
    isNull: (n) => {
      this.emit('(');
      this.visit(n.operand);
      this.emit(n.negated ? ' IS NOT NULL)' : ' IS NULL)');
    },
    inList: (n) => {
      this.emit('(');
      this.visit(n.operand);
      this.emit(n.negated ? ' NOT IN (' : ' IN (');
      this.list(n.values);
      this.emit('))');
    },
    inSubquery: (n) => {
      this.emit('(');
      this.visit(n.operand);
      this.emit(n.negated ? ' NOT IN (' : ' IN (');
      this.visit(n.query);
      this.emit('))');
    },
    exists: (n) => {
      this.emit(n.negated ? '(NOT EXISTS (' : '(EXISTS (');
      this.visit(n.query);
      this.emit('))');
    },
    function: (n) => {
      this.emit(`${n.name}(`);
      this.list(n.args);
      this.emit(')');
    },
    aggregate: (n) => {
      this.emit(`${n.name}(${n.distinct ? 'DISTINCT ' : ''}`);
      this.visit(n.arg);
      this.emit(')');
    },
    cast: (n) => {
      this.emit('CAST(');
      this.visit(n.operand);
      this.emit(` AS ${this.typeName(n.type)})`);
    },
    interval: (n) => this.interval(n.amount, n.unit),
    jsonText: (n) => this.jsonText(n.operand, n.key),
    listContains: (n) => this.listContains(n.list, n.value),
    listHas: (n) => this.listHas(n.list, n.value),
    epoch: (n) => this.epoch(n.operand),
    datePart: (n) => {
      this.emit(`extract(${n.part} FROM `);
      this.visit(n.operand);
      this.emit(')');
    },
    case: (n) => {
      this.emit('(CASE');
      for (const w of n.whens) {
        this.emit(' WHEN ');
        this.visit(w.when);
        this.emit(' THEN ');
        this.visit(w.then);
      }
      if (n.else) {
        this.emit(' ELSE ');
        this.visit(n.else);
      }
      this.emit(' END)');
    },
    window: (n) => {
      this.emit(n.name === 'rank' ? 'rank() OVER (' : 'count(*) OVER (');
      if (n.partitionBy.length) {
        this.emit('PARTITION BY ');
        this.list(n.partitionBy);
        if (n.orderBy.length) this.emit(' ');
      }
      if (n.orderBy.length) {
        this.emit('ORDER BY ');
        this.orderBy(n.orderBy);
      }
      this.emit(')');
    },
    percentileCont: (n) => this.percentileCont(n.fraction, n.value),
    isoTime: (n) => this.isoTime(n.operand),
    subquery: (n) => {
      this.emit('(');
      this.visit(n.query);
      this.emit(')');
    },
  };
}

/** DuckDB: everything else is spelled as in PostgreSQL; a list lambda is much faster than unnest per row. */
export class DuckDbQueryCompiler extends QueryCompiler {
  protected override listHas(list: SqlExpr, value: SqlExpr): void {
    this.emit('list_contains(');
    this.visit(list);
    this.emit(', ');
    this.visit(value);
    this.emit(')');
  }

  protected override interval(amount: SqlExpr, unit: IntervalUnit): void {
    this.emit(`to_${unit}s(CAST(`);
    this.visit(amount);
    this.emit(' AS INTEGER))');
  }

  /** Through microseconds since the epoch: several times faster than formatting a zoned time. */
  protected override isoTime(operand: SqlExpr): void {
    this.emit('strftime(make_timestamp(epoch_us(');
    this.visit(operand);
    this.emit(`)), '%Y-%m-%dT%H:%M:%S.%gZ')`);
  }

  protected override listContains(list: SqlExpr, value: SqlExpr): void {
    this.emit('list_contains(list_transform(');
    this.visit(list);
    this.emit(', lambda elem: lower(elem)), lower(');
    this.visit(value);
    this.emit('))');
  }
}

/** PostgreSQL: the default spelling is PostgreSQL's; only types differ. */
export class PostgresQueryCompiler extends QueryCompiler {
  protected override typeName(type: SqlType): string {
    return type === 'text' ? 'TEXT' : super.typeName(type);
  }
}

export type Dialect = 'duckdb' | 'postgres';

export function compilerFor(dialect: Dialect): QueryCompiler {
  return dialect === 'duckdb' ? new DuckDbQueryCompiler() : new PostgresQueryCompiler();
}
