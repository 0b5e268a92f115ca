import { useState } from 'preact/hooks';

interface Props {
  onToken(token: string): void;
  /** A token was sent and refused. */
  rejected: boolean;
}

/** Asks for a registry token (the admin token: `<data dir>/admin-token`); the page keeps it for this tab only. */
export function TokenForm({ onToken, rejected }: Props) {
  const [value, setValue] = useState('');
  return (
    <form
      class="token-form"
      aria-labelledby="token-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) onToken(value.trim());
      }}
    >
      <h2 id="token-title">This registry needs a token to read</h2>
      {rejected && (
        <p role="alert" class="error">
          The registry refused that token.
        </p>
      )}
      <label for="token">Token</label>
      <input
        id="token"
        name="token"
        type="password"
        autocomplete="off"
        required
        value={value}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
      />
      <p class="hint">
        The registry's admin token is in the file <code>&lt;data dir&gt;/admin-token</code> on its
        host (<code>./docket-data/admin-token</code> by default; <code>docket registry</code> prints
        the path at start-up). Kept in this browser tab's session storage only, sent as a Bearer
        token.
      </p>
      <button type="submit">Open</button>
    </form>
  );
}
