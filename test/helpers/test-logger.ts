import { pino, type Logger } from 'pino';

/** Silent unless DOCKET_TEST_LOG=debug|info|... */
export function testLogger(): Logger {
  return pino({ level: process.env.DOCKET_TEST_LOG ?? 'silent' });
}
