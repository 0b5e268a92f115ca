import { Command } from 'clipanion';
import { chooseRegistry } from '../../client/credentials.js';
import type { DocketContext } from '../context.js';
import { classifyError } from '../exit-codes.js';
import { jsonError } from '../output/json-error.js';
import { outputMode } from './output-options.js';
import type { RegistryClient } from '../../client/registry-client.js';

/**
 * Base of the user-facing commands: subclasses implement `run`. Expected failures
 * (exit-codes.ts) become one `docket: <message>` line on stderr and their exit code
 * (with `--json`, also `{"error":{"code","message"}}` on stdout: output/json-error.ts);
 * anything else is a bug and goes to clipanion with its stack.
 */
export abstract class DocketCommand extends Command<DocketContext> {
  abstract run(): Promise<number | undefined>;

  async execute(): Promise<number> {
    try {
      return (await this.run()) ?? 0;
    } catch (err) {
      const failure = classifyError(
        this.context.docket.signal.aborted ? this.context.docket.signal.reason : err,
      );
      if (!failure) throw err;
      this.context.stderr.write(`docket: ${failure.message}\n`);
      if (outputMode(this as Parameters<typeof outputMode>[0]) === 'json')
        this.context.stdout.write(jsonError(failure.exitCode, failure.message));
      return failure.exitCode;
    }
  }

  protected async registryClient(flag: string | undefined): Promise<RegistryClient> {
    const { docket } = this.context;
    return docket.registry(chooseRegistry(flag, docket.env, await docket.credentials.read()));
  }
}
