import { diagnostic, type Diagnostic } from './diagnostics.js';
import { span, type Span } from './span.js';

export type Punct = '(' | ')' | '[' | ']' | ',' | '%' | '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A word: a keyword (matched case-insensitively through `lower`), a field, event or unit name. */
export interface IdentToken {
  readonly kind: 'ident';
  readonly text: string;
  readonly lower: string;
  readonly span: Span;
}
export interface NumberToken {
  readonly kind: 'number';
  readonly text: string;
  readonly value: number;
  readonly span: Span;
}
export interface StringToken {
  readonly kind: 'string';
  readonly text: string;
  /** The unescaped contents. */
  readonly value: string;
  readonly span: Span;
}
/** Digits joined by dashes (`2024-05-01`); the parser checks it is a real calendar date. */
export interface DateToken {
  readonly kind: 'date';
  readonly text: string;
  readonly span: Span;
}
export interface PunctToken {
  readonly kind: 'punct';
  readonly text: Punct;
  readonly span: Span;
}
export interface EofToken {
  readonly kind: 'eof';
  readonly text: '';
  readonly span: Span;
}
export type Token = IdentToken | NumberToken | StringToken | DateToken | PunctToken | EofToken;

export interface ScanResult {
  /** Always ends with one `eof` token. */
  readonly tokens: readonly Token[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Letters (any script), digits and `_`; `.`, `:` and `-` may join parts, as in event names like `order.completed`. */
const IDENT_PATTERN = /[\p{L}_][\p{L}\p{N}_]*(?:[.:-][\p{L}\p{N}_]+)*/uy;
const NUMBER_PATTERN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const DATE_PATTERN = /\d+(?:-\d+)+/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\\': '\\', n: '\n', t: '\t', r: '\r' };

/** True when `word` scans as exactly one identifier token. */
export function isIdentifier(word: string): boolean {
  IDENT_PATTERN.lastIndex = 0;
  const m = IDENT_PATTERN.exec(word);
  return m !== null && m[0].length === word.length;
}

/**
 * Splits a query into tokens. Never throws: a character it cannot use is reported and skipped, an
 * unterminated string becomes a string token up to the end of its line.
 */
export function scan(text: string): ScanResult {
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  let i = 0;
  const n = text.length;

  const match = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(text);
    return m?.[0];
  };

  while (i < n) {
    const c = text[i] ?? '';
    if (/\s/u.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? n : nl;
      continue;
    }
    const start = i;
    const next = text[i + 1] ?? '';
    if (/\d/.test(c)) {
      const date = match(DATE_PATTERN);
      if (date !== undefined) {
        i += date.length;
        tokens.push({ kind: 'date', text: date, span: span(start, i) });
        continue;
      }
    }
    if (/\d/.test(c) || (c === '-' && /\d/.test(next))) {
      const num = match(NUMBER_PATTERN) ?? c;
      i += num.length;
      const value = Number(num);
      // Beyond 2^53 a number is no longer exact (and beyond 2^63 no engine's integer holds it).
      const fits = Math.abs(value) <= Number.MAX_SAFE_INTEGER;
      if (!fits) {
        diagnostics.push(
          diagnostic(
            'invalid-number',
            `the number ${num} is too large: a segment takes numbers up to ${Number.MAX_SAFE_INTEGER.toLocaleString('en')} either side of 0`,
            span(start, i),
          ),
        );
      }
      // Normalise -0 so that printing and re-parsing gives the same value.
      tokens.push({ kind: 'number', text: num, value: fits ? value + 0 : 0, span: span(start, i) });
      continue;
    }
    const word = match(IDENT_PATTERN);
    if (word !== undefined) {
      i += word.length;
      tokens.push({ kind: 'ident', text: word, lower: word.toLowerCase(), span: span(start, i) });
      continue;
    }
    if (c === '"' || c === "'") {
      i = scanString(text, i, tokens, diagnostics);
      continue;
    }
    const two = c + next;
    if (two === '!=' || two === '<=' || two === '>=' || two === '==') {
      i += 2;
      tokens.push({ kind: 'punct', text: two === '==' ? '=' : two, span: span(start, i) });
      continue;
    }
    if (two === '<>') {
      i += 2;
      diagnostics.push(
        diagnostic('unexpected-character', 'unexpected `<>`', span(start, i), 'write `!=` for "not equal"'),
      );
      tokens.push({ kind: 'punct', text: '!=', span: span(start, i) });
      continue;
    }
    if ('()[],%=<>'.includes(c)) {
      i++;
      tokens.push({ kind: 'punct', text: c as Punct, span: span(start, i) });
      continue;
    }
    // Unknown character: report and skip it, counting a surrogate pair as one character.
    const cp = text.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    i += width;
    diagnostics.push(
      diagnostic(
        'unexpected-character',
        `unexpected character \`${text.slice(start, i)}\``,
        span(start, i),
        characterHint(c),
      ),
    );
  }
  tokens.push({ kind: 'eof', text: '', span: span(n, n) });
  return { tokens, diagnostics };
}

function characterHint(c: string): string | undefined {
  if (c === '!') return 'write `!=` for "not equal", or `not` to negate a condition';
  if (c === '&') return 'write `and`';
  if (c === '|') return 'write `or`';
  if ('“”„‘’«»'.includes(c)) return 'use straight quotes: "..."';
  if (c === '{' || c === '}') return 'lists are written in square brackets: ["a", "b"]';
  if (c === '-') return 'a negative number is written without a space, as in -5';
  return undefined;
}

/** Scans a quoted string starting at `start`; returns the offset after it. */
function scanString(text: string, start: number, tokens: Token[], diagnostics: Diagnostic[]): number {
  const quote = text[start];
  let i = start + 1;
  let value = '';
  for (;;) {
    const c = text[i];
    if (c === undefined || c === '\n' || c === '\r') {
      diagnostics.push(
        diagnostic(
          'unterminated-string',
          'this text has no closing quote',
          span(start, i),
          `add ${quote ?? '"'} at the end of the text`,
        ),
      );
      tokens.push({ kind: 'string', text: text.slice(start, i), value, span: span(start, i) });
      return i;
    }
    if (c === quote) {
      i++;
      tokens.push({ kind: 'string', text: text.slice(start, i), value, span: span(start, i) });
      return i;
    }
    if (c === '\\') {
      const e = text[i + 1];
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      const mapped = e === undefined ? undefined : ESCAPES[e];
      if (mapped !== undefined) {
        value += mapped;
        i += 2;
        continue;
      }
      if (e === undefined || e === '\n' || e === '\r') {
        i++;
        continue;
      }
      diagnostics.push(
        diagnostic(
          'invalid-escape',
          `unknown escape \`\\${e}\``,
          span(i, i + 2),
          'write \\\\ for a backslash; known escapes are \\" \\\' \\\\ \\n \\t \\r \\uXXXX',
        ),
      );
      value += e;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
}
