/** Sign-in: the token is checked against `GET /v1/session` and kept for this browser tab only. */
import { useState } from 'preact/hooks';
import { ErrorBox } from '../components.js';

export function SignIn({ notice, onSignIn }: { notice: string | null; onSignIn: (token: string) => Promise<void> }) {
  const [token, setTokenText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSignIn(token.trim());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="signin">
      <h1 tabIndex={-1}>Sign in to sheetpipe</h1>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="current-password" required value={token}
          onInput={(event) => setTokenText((event.target as HTMLInputElement).value)} />
        <p class="hint">Kept for this browser tab only; closing it signs you out.</p>
        <button type="submit" disabled={busy || token.trim() === ''}>Sign in</button>
      </form>
      <ErrorBox error={error} />
    </section>
  );
}
