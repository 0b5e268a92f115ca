import type { Readable, Writable } from 'node:stream';
import { InterruptedError } from '../../client/errors.js';

/** A terminal's stdin: `setRawMode` turns its echo and line editing off. */
export interface TerminalInput extends Readable {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
}

/** Whether `stdin` is a terminal a prompt can read from. */
export function isTerminal(stdin: Readable): stdin is TerminalInput {
  return (stdin as TerminalInput).isTTY === true;
}

/**
 * Asks for a secret on a terminal as `docker login` asks for a password: `prompt` on
 * `out`, the input not echoed, Enter ends it, Backspace deletes, Ctrl-C rejects with
 * InterruptedError, Ctrl-D on an empty line ends with "".
 */
export function readHidden(stdin: TerminalInput, out: Writable, prompt: string): Promise<string> {
  out.write(prompt);
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const stop = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      out.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n' || (c === '\u0004' && value === '')) {
          stop();
          resolve(value);
          return;
        }
        if (c === '\u0003') {
          stop();
          reject(new InterruptedError());
          return;
        }
        if (c === '\u007f' || c === '\b') value = value.slice(0, -1);
        else if (c >= ' ') value += c;
      }
    };
    stdin.on('data', onData);
  });
}
