import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../../client/errors.js';
import {
  isTerminal,
  readHidden,
  type TerminalInput,
} from '../../../../cli/output/hidden-prompt.js';

function terminal(): { stdin: TerminalInput & PassThrough; out: PassThrough; raw: boolean[] } {
  const raw: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode(on: boolean) {
      raw.push(on);
    },
  });
  const out = new PassThrough();
  out.setEncoding('utf8');
  return { stdin, out, raw };
}

describe('readHidden', () => {
  it('reads to Enter without echoing, Backspace deletes, raw mode is turned off again', async () => {
    const { stdin, out, raw } = terminal();
    const answer = readHidden(stdin, out, 'Token: ');
    stdin.write('secrex\u007ft');
    stdin.write('\r');
    await expect(answer).resolves.toBe('secret');
    expect(out.read()).toBe('Token: \n');
    expect(raw).toEqual([true, false]);
  });

  it('Ctrl-C is an interruption', async () => {
    const { stdin, out } = terminal();
    const answer = readHidden(stdin, out, 'Token: ');
    stdin.write('ab\u0003');
    await expect(answer).rejects.toBeInstanceOf(InterruptedError);
  });

  it('knows a terminal from a pipe', () => {
    expect(isTerminal(terminal().stdin)).toBe(true);
    expect(isTerminal(new PassThrough())).toBe(false);
  });
});
