import { Option } from 'clipanion';

/**
 * `--quiet` and `--json`, the same two flags on every command. Declare them as fields:
 *
 * ```ts
 * quiet = quietOption('print only the manifest digest');
 * json = jsonOption();
 * jsonSummary = jsonSummaryAlias();
 * ...
 * const mode = outputMode(this);
 * ```
 * With `--json` stdout holds only the JSON document (human progress goes to stderr);
 * with `--quiet` stdout holds only what a script needs (the reference, a digest) and
 * there is no progress. Warnings and errors always go to stderr.
 */
export type OutputMode = 'text' | 'quiet' | 'json';

export function quietOption(description = 'print only the essential result, no progress') {
  return Option.Boolean('-q,--quiet', false, { description });
}

export function jsonOption(
  description = 'print a machine-readable JSON summary on stdout (progress goes to stderr)',
) {
  return Option.Boolean('--json', false, { description });
}

/** `--json-summary`, the old name of `--json` on push and pull: accepted, not shown. */
export function jsonSummaryAlias() {
  return Option.Boolean('--json-summary', false, { hidden: true });
}

export function outputMode(command: {
  quiet?: boolean;
  json?: boolean;
  jsonSummary?: boolean;
}): OutputMode {
  if (command.json || command.jsonSummary) return 'json';
  return command.quiet ? 'quiet' : 'text';
}
