import type { z } from 'zod';

/** One rejected input row: where it was and what was wrong with it. */
export interface RowError {
  line: number;
  /** The field (dotted path) at fault, when one is. */
  field?: string;
  message: string;
  /** Character position in the line (JSONL syntax errors), 1-based. */
  column?: number;
}

/** Turns zod issues into row errors naming each field, e.g. `consent.email.at`. */
export function toRowErrors(line: number, error: z.ZodError): RowError[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    return field ? { line, field, message: issue.message } : { line, message: issue.message };
  });
}

export function formatRowError(file: string, e: RowError): string {
  const where = `${file}:${e.line}${e.column !== undefined ? `:${e.column}` : ''}`;
  return e.field ? `${where}: field "${e.field}": ${e.message}` : `${where}: ${e.message}`;
}
