import { ExitCode } from '../exit-codes.js';

/**
 * With `--json`, a failure is a JSON document on stdout too, so that a script reading
 * stdout always gets one document: `{"error":{"code":"NOT_FOUND","message":"..."}}`.
 * `code` names the exit code (README "Exit codes"): USAGE, NOT_FOUND, UNAUTHORIZED,
 * REGISTRY_UNREACHABLE, ENGINE_UNREACHABLE, INTEGRITY, DISK_FULL, REGISTRY, ENGINE,
 * CONFIG, INTERRUPTED. The human line still goes to stderr. (A bug, exit 1, is not an
 * expected failure: it keeps its stack on stderr and no JSON.)
 */
export function jsonError(exitCode: number, message: string): string {
  const name = Object.entries(ExitCode).find(([, code]) => code === exitCode)?.[0] ?? 'internal';
  const code = name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
  return `${JSON.stringify({ error: { code, message } })}\n`;
}

/** Whether the command line asks for JSON output (`--json`, or its old name `--json-summary`). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const args = end === -1 ? argv : argv.slice(0, end);
  return args.some((a) => a === '--json' || a === '--json-summary');
}
