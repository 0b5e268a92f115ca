import { Builtins, Cli } from 'clipanion';
import { readFileSync } from 'node:fs';
import { commands } from './commands/index.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function createCli(): Cli {
  const cli = new Cli({
    binaryLabel: 'docket',
    binaryName: 'docket',
    binaryVersion: packageVersion(),
  });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  for (const command of commands) cli.register(command);
  return cli;
}

/** The composition root of the CLI: returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const cli = createCli();
  return cli.run(argv, Cli.defaultContext);
}
