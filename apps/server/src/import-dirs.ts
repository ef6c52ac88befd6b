import { realpathSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { AppError } from '@strata/core';

/**
 * The folders `POST /v1/import/:entity?path=` may read from: `STRATA_IMPORT_DIRS` (separated
 * like PATH), else the folder that holds the store. The API key lets a client import; it must
 * not let it read any file the server's user can (and have its first characters echoed back in
 * row errors), so every other path is refused before it is opened.
 */
export function importDirsFor(dbPath: string, given?: readonly string[]): string[] {
  const dirs = given ?? (process.env.STRATA_IMPORT_DIRS ? process.env.STRATA_IMPORT_DIRS.split(delimiter).filter(Boolean) : [dirname(resolve(dbPath))]);
  return dirs.map((d) => {
    try {
      return realpathSync(resolve(d));
    } catch {
      return resolve(d);
    }
  });
}

/** Whether `file` (a real, absolute path) lies inside the folder `dir`. */
export const isInside = (dir: string, file: string): boolean => {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
};

/** The real path of a regular file inside one of `dirs`, or a clear refusal that names no content. */
export async function allowedImportPath(path: string, dirs: readonly string[]): Promise<string> {
  if (!isAbsolute(path)) throw new AppError('invalid', 'query parameter path must be an absolute path', [{ field: 'path', message: 'not absolute' }]);
  const where = dirs.length ? dirs.join(', ') : '(none configured)';
  const refuse = (why: string) =>
    new AppError('invalid', `path ${path} ${why}; the server imports only regular files inside its import folders: ${where} (STRATA_IMPORT_DIRS)`, [
      { field: 'path', message: why },
    ]);
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    if (dirs.some((d) => isInside(d, resolve(path)))) throw new AppError('not_found', `no such file: ${path}`, [{ field: 'path', message: 'not found' }]);
    // Whether a file outside the import folders exists is not the client's business.
    throw refuse('is outside the import folders');
  }
  if (!dirs.some((d) => isInside(d, real))) throw refuse('is outside the import folders');
  if (!(await stat(real)).isFile()) throw refuse('is not a regular file');
  return real;
}
