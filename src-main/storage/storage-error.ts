/**
 * Turns a file system error into the catalogue's storage codes with a message that names the stream,
 * the file and what to do.
 */
import { ThinStreamError } from '../../src-shared/errors.js';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

export class StorageError extends ThinStreamError {
  /** The errno code from the OS (`ENOSPC`, `EROFS`, …), or null. */
  readonly osCode: string | null;
  readonly filePath: string;

  constructor(
    code: 'STORAGE_FULL' | 'STORAGE_UNWRITABLE',
    message: string,
    filePath: string,
    osCode: string | null,
    cause: unknown,
  ) {
    super(code, message, { cause });
    this.name = 'StorageError';
    this.osCode = osCode;
    this.filePath = filePath;
  }
}

export function osErrorCode(err: unknown): string | null {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : null;
}

/** `what` is the stream or activity (`recording cam-door/1-high`); `doing` the operation (`writing`). */
export function storageError(err: unknown, what: string, doing: string, filePath: string): StorageError {
  const os = osErrorCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (os !== null && FULL.has(os)) {
    return new StorageError(
      'STORAGE_FULL',
      `${what} stopped: the disk is full (${os} while ${doing} ${filePath}); old recordings are deleted per ` +
        `the retention settings and recording resumes when space is free`,
      filePath,
      os,
      err,
    );
  }
  return new StorageError(
    'STORAGE_UNWRITABLE',
    `${what} stopped: cannot write ${filePath} (${os ?? 'error'} while ${doing}: ${detail}); check that the ` +
      `storage folder exists, is writable and is not mounted read-only; recording retries by itself`,
    filePath,
    os,
    err,
  );
}
