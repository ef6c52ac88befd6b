/**
 * The SQL IR: an immutable tree of plain nodes tagged by `kind`, built by the segment compiler and
 * turned into text by a dialect's query compiler. User values only ever appear as `param` nodes;
 * names only as `column`/`table` nodes whose names the segment compiler took from the catalog or
 * from its own fixed schema.
 */

/** `money` is the store's money column type: 4 decimal places, exact. */
export type SqlType = 'double' | 'integer' | 'text' | 'boolean' | 'timestamp' | 'date' | 'money';
export type BinaryOp = '=' | '<>' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR' | '+' | '-' | '*' | '/';
export type IntervalUnit = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
/** Functions the compiler may call; each dialect spells them (all exist in DuckDB and PostgreSQL). */
export type FunctionName =
  | 'ceil'
  | 'nullif'
  | 'lower'
  | 'coalesce'
  | 'strpos'
  | 'left'
  | 'right'
  | 'length'
  | 'floor'
  | 'abs'
  | 'greatest'
  | 'least'
  | 'trim'
  | 'split_part'
  | 'substr'
  | 'array_to_string';
export type AggregateName = 'count' | 'sum' | 'min' | 'max';

export interface ColumnNode {
  readonly kind: 'column';
  readonly table: string;
  readonly name: string;
}
export interface ParamNode {
  readonly kind: 'param';
  readonly value: string | number | boolean | null;
}
/** A number the compiler itself chose (never a user value), e.g. 1 in `count(*) >= 1` is still a param; this is for 0/1/100 constants. */
export interface NumberLiteralNode {
  readonly kind: 'number';
  readonly value: number;
}
export interface BooleanLiteralNode {
  readonly kind: 'boolean';
  readonly value: boolean;
}
/** A fixed string chosen by the compiler (a status, an event type of the schema), never user text. */
export interface StringLiteralNode {
  readonly kind: 'string';
  readonly value: string;
}
export interface StarNode {
  readonly kind: 'star';
}
export interface BinaryNode {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: SqlExpr;
  readonly right: SqlExpr;
}
export interface NotNode {
  readonly kind: 'not';
  readonly operand: SqlExpr;
}
export interface IsNullNode {
  readonly kind: 'isNull';
  readonly operand: SqlExpr;
  readonly negated: boolean;
}
export interface InListNode {
  readonly kind: 'inList';
  readonly operand: SqlExpr;
  readonly values: readonly SqlExpr[];
  readonly negated: boolean;
}
export interface InSubqueryNode {
  readonly kind: 'inSubquery';
  readonly operand: SqlExpr;
  readonly query: SelectNode;
  readonly negated: boolean;
}
export interface ExistsNode {
  readonly kind: 'exists';
  readonly query: SelectNode;
  readonly negated: boolean;
}
export interface FunctionNode {
  readonly kind: 'function';
  readonly name: FunctionName;
  readonly args: readonly SqlExpr[];
}
export interface AggregateNode {
  readonly kind: 'aggregate';
  readonly name: AggregateName;
  readonly arg: SqlExpr;
  readonly distinct: boolean;
}
export interface CastNode {
  readonly kind: 'cast';
  readonly operand: SqlExpr;
  readonly type: SqlType;
}
/** `amount` units of time as an interval. */
export interface IntervalNode {
  readonly kind: 'interval';
  readonly amount: SqlExpr;
  readonly unit: IntervalUnit;
}
/** A JSON object's member as text: `properties->>'page_kind'`. */
export interface JsonTextNode {
  readonly kind: 'jsonText';
  readonly operand: SqlExpr;
  readonly key: SqlExpr;
}
/** A list (array) column has an element equal to `value`, ignoring case. */
export interface ListContainsNode {
  readonly kind: 'listContains';
  readonly list: SqlExpr;
  readonly value: SqlExpr;
}
/** A list (array) column has an element exactly equal to `value`. */
export interface ListHasNode {
  readonly kind: 'listHas';
  readonly list: SqlExpr;
  readonly value: SqlExpr;
}
/** Seconds since the epoch of a timestamp. */
export interface EpochNode {
  readonly kind: 'epoch';
  readonly operand: SqlExpr;
}
/** Month (1–12) or day of month of a timestamp/date. */
export interface DatePartNode {
  readonly kind: 'datePart';
  readonly part: 'month' | 'day';
  readonly operand: SqlExpr;
}
export interface CaseNode {
  readonly kind: 'case';
  readonly whens: readonly { readonly when: SqlExpr; readonly then: SqlExpr }[];
  readonly else: SqlExpr | null;
}
/** A window function over the whole input (optionally partitioned). */
export interface WindowNode {
  readonly kind: 'window';
  readonly name: 'rank' | 'count';
  readonly orderBy: readonly OrderItem[];
  readonly partitionBy: readonly SqlExpr[];
}
/** The continuous percentile of `value` (an aggregate). */
export interface PercentileContNode {
  readonly kind: 'percentileCont';
  readonly fraction: SqlExpr;
  readonly value: SqlExpr;
}
/** A time as ISO 8601 text in UTC with milliseconds, as JavaScript writes it: `2026-08-20T10:00:00.000Z`. */
export interface IsoTimeNode {
  readonly kind: 'isoTime';
  readonly operand: SqlExpr;
}
/** A scalar subquery: `(SELECT …)`. */
export interface SubqueryNode {
  readonly kind: 'subquery';
  readonly query: SelectNode;
}
/** Integers 0..n as a one-column table, for "any day in the next n days". */
export interface SeriesNode {
  readonly kind: 'series';
  readonly to: SqlExpr;
  readonly alias: string;
  readonly column: string;
}

export type SqlExpr =
  | ColumnNode
  | ParamNode
  | NumberLiteralNode
  | BooleanLiteralNode
  | StringLiteralNode
  | StarNode
  | BinaryNode
  | NotNode
  | IsNullNode
  | InListNode
  | InSubqueryNode
  | ExistsNode
  | FunctionNode
  | AggregateNode
  | CastNode
  | IntervalNode
  | JsonTextNode
  | ListContainsNode
  | ListHasNode
  | EpochNode
  | DatePartNode
  | CaseNode
  | WindowNode
  | PercentileContNode
  | IsoTimeNode
  | SubqueryNode;

export interface OrderItem {
  readonly expr: SqlExpr;
  readonly direction: 'asc' | 'desc';
}

export interface TableRef {
  readonly kind: 'table';
  readonly name: string;
  readonly alias: string;
}
export interface DerivedTable {
  readonly kind: 'derived';
  readonly query: SelectNode;
  readonly alias: string;
}
export type FromItem = TableRef | DerivedTable | SeriesNode;

export interface JoinNode {
  readonly type: 'inner' | 'left';
  readonly from: FromItem;
  readonly on: SqlExpr;
}

export interface SelectNode {
  readonly kind: 'select';
  readonly distinct: boolean;
  readonly columns: readonly { readonly expr: SqlExpr; readonly alias?: string }[];
  readonly from: FromItem;
  readonly joins: readonly JoinNode[];
  readonly where: SqlExpr | null;
  readonly groupBy: readonly SqlExpr[];
  readonly having: SqlExpr | null;
  readonly orderBy: readonly OrderItem[];
  readonly limit: SqlExpr | null;
  readonly offset: SqlExpr | null;
}

export type SqlNode = SqlExpr | SelectNode;
export type SqlKind = SqlNode['kind'];

/* ---- builders: small helpers so the segment compiler reads like the SQL it makes ---- */

export const col = (table: string, name: string): ColumnNode => ({ kind: 'column', table, name });
export const param = (value: string | number | boolean | null): ParamNode => ({ kind: 'param', value });
export const num = (value: number): NumberLiteralNode => ({ kind: 'number', value });
export const str = (value: string): StringLiteralNode => ({ kind: 'string', value });
export const bool = (value: boolean): BooleanLiteralNode => ({ kind: 'boolean', value });
export const star: StarNode = { kind: 'star' };
export const bin = (op: BinaryOp, left: SqlExpr, right: SqlExpr): BinaryNode => ({ kind: 'binary', op, left, right });
export const not = (operand: SqlExpr): NotNode => ({ kind: 'not', operand });
export const isNull = (operand: SqlExpr, negated = false): IsNullNode => ({ kind: 'isNull', operand, negated });
export const fn = (name: FunctionName, ...args: SqlExpr[]): FunctionNode => ({ kind: 'function', name, args });
export const agg = (name: AggregateName, arg: SqlExpr, distinct = false): AggregateNode => ({ kind: 'aggregate', name, arg, distinct });
export const cast = (operand: SqlExpr, type: SqlType): CastNode => ({ kind: 'cast', operand, type });
export const interval = (amount: SqlExpr, unit: IntervalUnit): IntervalNode => ({ kind: 'interval', amount, unit });
export const exists = (query: SelectNode, negated = false): ExistsNode => ({ kind: 'exists', query, negated });
export const inSubquery = (operand: SqlExpr, query: SelectNode, negated = false): InSubqueryNode => ({ kind: 'inSubquery', operand, query, negated });
export const inList = (operand: SqlExpr, values: readonly SqlExpr[], negated = false): InListNode => ({ kind: 'inList', operand, values, negated });
export const table = (name: string, alias: string): TableRef => ({ kind: 'table', name, alias });

export function and(...operands: (SqlExpr | null | undefined)[]): SqlExpr {
  const xs = operands.filter((x): x is SqlExpr => x !== null && x !== undefined);
  if (xs.length === 0) return bool(true);
  return xs.reduce((a, b) => bin('AND', a, b));
}
export function or(...operands: SqlExpr[]): SqlExpr {
  if (operands.length === 0) return bool(false);
  return operands.reduce((a, b) => bin('OR', a, b));
}

export function select(parts: Partial<Omit<SelectNode, 'kind'>> & Pick<SelectNode, 'from' | 'columns'>): SelectNode {
  return { kind: 'select', distinct: false, joins: [], where: null, groupBy: [], having: null, orderBy: [], limit: null, offset: null, ...parts };
}
