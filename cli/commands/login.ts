import { text } from 'node:stream/consumers';
import { Command, Option, UsageError } from 'clipanion';
import { normalizeRegistryUrl } from '../../client/credentials.js';
import { verifyWriteAccess } from '../../client/services/login.js';
import { isTerminal, readHidden } from '../output/hidden-prompt.js';
import { DocketCommand } from './docket-command.js';
import { jsonOption, outputMode, quietOption } from './output-options.js';

export class LoginCommand extends DocketCommand {
  static override paths = [['login']];

  static override usage = Command.Usage({
    description: 'check a token against the registry and store it',
    details: `
      Verifies the token by opening a blob upload (a write only a valid token may
      make) and cancelling it at once, then stores the token in the credentials file
      (~/.config/docket/credentials.json or $DOCKET_CREDENTIALS, mode 0600) and makes
      the registry the default one (it says so when the default changes). With no
      token given (--token, --token-stdin or $DOCKET_TOKEN), asks for it on a terminal,
      input hidden. A registry's admin token is in <data dir>/admin-token.
    `,
    examples: [
      ['Token on the command line', '$0 login --registry http://127.0.0.1:5000 --token T'],
      ['Token on stdin', 'echo "$TOKEN" | $0 login --registry http://127.0.0.1:5000 --token-stdin'],
      ['Asked for on the terminal', '$0 login --registry http://127.0.0.1:5000'],
    ],
  });

  registry = Option.String('--registry', { description: 'registry URL' });
  token = Option.String('--token', { description: 'the token' });
  tokenStdin = Option.Boolean('--token-stdin', false, { description: 'read the token from stdin' });
  quiet = quietOption('print nothing on success');
  json = jsonOption('print {"registry", "config", "default"} as JSON');

  async run(): Promise<number> {
    const { docket, stdout, stdin } = this.context;
    if (this.token !== undefined && this.tokenStdin)
      throw new UsageError('give either --token or --token-stdin, not both');
    const file = await docket.credentials.read();
    const named = this.registry ?? docket.env.registry ?? file.registry;
    if (!named) throw new UsageError('no registry: pass --registry URL');
    const url = normalizeRegistryUrl(named);
    let token = this.tokenStdin ? (await text(stdin)).trim() : (this.token ?? docket.env.token);
    if (!token && !this.tokenStdin && isTerminal(stdin))
      token = (await readHidden(stdin, this.context.stderr, `Token for ${url}: `)).trim();
    if (!token) throw new UsageError('no token: pass --token T or --token-stdin');
    await verifyWriteAccess(docket.registry({ url, token }));
    await docket.credentials.write({
      ...file,
      registry: url,
      auths: { ...file.auths, [url]: { token } },
    });
    const mode = outputMode(this);
    if (mode === 'json')
      stdout.write(
        `${JSON.stringify({ registry: url, config: docket.credentials.path, default: url })}\n`,
      );
    else if (mode === 'text') {
      stdout.write(
        `Login succeeded: ${url} accepted the token for writes; stored in ${docket.credentials.path}\n`,
      );
      if (file.registry !== url)
        stdout.write(
          `${url} is now the default registry${file.registry ? ` (was ${file.registry})` : ''}\n`,
        );
    }
    return 0;
  }
}
