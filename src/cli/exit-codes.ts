import { DrainctlError, type ErrorKind } from '../core/errors.js';
import { hasTimeouts, type OperationReport } from '../core/report.js';

/** drainctl's exit codes; docs/exit-codes.md documents each, and a test keeps the two in step. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  notFound: 3,
  timeout: 4,
  refused: 5,
  interrupted: 130,
} as const;

const BY_KIND: Record<ErrorKind, number> = {
  usage: EXIT.usage,
  not_found: EXIT.notFound,
  timeout: EXIT.timeout,
  refused: EXIT.refused,
  provider: EXIT.error,
  interrupted: EXIT.interrupted,
};

/** The exit code for an error: its kind's code, or 1 for anything unexpected. */
export function exitCodeForError(error: unknown): number {
  return error instanceof DrainctlError ? BY_KIND[error.kind] : EXIT.error;
}

/** The exit code for a finished operation: 4 when any target was left waiting, else 0. */
export function exitCodeForReport(report: OperationReport): number {
  return hasTimeouts(report) ? EXIT.timeout : EXIT.ok;
}
