/*
 * JSON text from outside (a request body, a JSON Lines record) to a value, or a fault with its
 * place: bytes that are not UTF-8, nesting too deep to be anything but an attack, or bad syntax.
 */
import { jsonDepthLimit } from '@strata/core';
import { locateUtf8Fault, utf8Fault } from './utf8.js';

/**
 * How deeply JSON text may nest, checked on the text before it is parsed. Well above what a stored
 * value may (jsonDepthLimit) plus a message's envelope, so that a property nested too deep is
 * refused for its own message by the schemas, and only absurd text for the whole request.
 */
export const jsonNestingLimit = jsonDepthLimit * 4;

export type JsonTextResult =
  { ok: true; value: unknown } | { ok: false; message: string; line?: number; column?: number };

/** Line and column (1-based, in characters) of a character index in `text`. */
export function positionIn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart + 1 };
}

/** The index of the bracket that opens level `limit + 1`, or undefined; strings are skipped, escapes and all. */
export function nestingFault(text: string, limit: number): number | undefined {
  // Fewer characters than levels: it cannot be that deep (the common case, decided without a walk).
  if (text.length <= limit) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

/** Parses JSON text, given as bytes (checked to be UTF-8) or as a string; a leading byte order mark is skipped. */
export function parseJsonText(input: string | Uint8Array): JsonTextResult {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const fault = utf8Fault(input);
    if (fault) {
      const at = locateUtf8Fault(input, fault);
      return { ok: false, message: `not valid UTF-8 (byte ${at.byte})`, line: at.line, column: at.column };
    }
    text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const deep = nestingFault(text, jsonNestingLimit);
  if (deep !== undefined)
    return { ok: false, message: `nested more than ${jsonNestingLimit} levels deep`, ...positionIn(text, deep) };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(message);
    return { ok: false, message: `not valid JSON: ${message}`, ...(pos ? positionIn(text, Number(pos[1])) : {}) };
  }
}
