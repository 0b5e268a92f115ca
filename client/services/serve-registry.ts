import { pino } from 'pino';
import type { RegistryConfig } from '../../registry/config.js';
import { startRegistry } from '../../registry/main.js';
import { untilAborted } from './until-aborted.js';

/**
 * Runs the registry (`docket registry`) until `signal` aborts, then closes it.
 * Logs JSON lines to stdout at `config.logLevel`.
 */
export async function serveRegistry(config: RegistryConfig, signal: AbortSignal): Promise<void> {
  const logger = pino({ level: config.logLevel });
  const registry = await startRegistry(config, { logger });
  await untilAborted(signal);
  logger.info('shutting down');
  await registry.close();
}
