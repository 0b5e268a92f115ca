import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { System } from './phase.js';

/** Debian programs each system's phases run, beyond Docker and docket itself. */
const PROGRAMS: Partial<Record<System, { program: string; pkg: string }[]>> = {
  distribution: [{ program: 'docker-registry', pkg: 'docker-registry' }],
  docket2015: [
    { program: 'ctorrent', pkg: 'ctorrent' },
    { program: 'opentracker', pkg: 'opentracker' },
  ],
};

function onPath(program: string, path: string): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The message to stop the bench with before it builds anything, when a program the chosen
 * systems need is not installed; undefined when all are there.
 */
export function missingPrograms(
  systems: System[],
  path = process.env.PATH ?? '',
): string | undefined {
  const missing = new Map<string, string>();
  for (const system of systems)
    for (const { program, pkg } of PROGRAMS[system] ?? [])
      if (!onPath(program, path)) missing.set(program, pkg);
  if (missing.size === 0) return undefined;
  return (
    `missing ${[...missing.keys()].join(', ')}: install with ` +
    `apt-get install -y ${[...new Set(missing.values())].join(' ')}, or leave the systems that need them out (--systems, --slow-systems)`
  );
}
