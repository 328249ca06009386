/**
 * The console's shell: sign-in, the navigation, and a hash router (`#/reports`, `#/jobs/<id>`, `#/history`,
 * `#/ops`), so the service serves one page at `/` and every view is a bookmarkable URL without the token in it.
 */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getJson, getToken, setToken, whenUnauthorized } from './api.js';
import { HistoryPage } from './pages/history.js';
import { JobPage } from './pages/job.js';
import { OpsPage } from './pages/ops.js';
import { ReportsPage } from './pages/reports.js';
import { SignIn } from './pages/signin.js';
import './style.css';

interface Session {
  readonly operator: boolean;
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = (): void => setHash(location.hash);
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return hash;
}

function Page({ hash, session }: { hash: string; session: Session }) {
  const job = /^#\/jobs\/([\w-]+)$/.exec(hash);
  if (job) return <JobPage id={job[1] as string} />;
  if (hash.startsWith('#/history')) return <HistoryPage />;
  if (hash === '#/ops') {
    return session.operator ? <OpsPage /> : <p class="error" role="alert">The Operations page needs a token whose reports include "*".</p>;
  }
  return <ReportsPage />;
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const hash = useHash();
  const main = useRef<HTMLElement>(null);

  const signOut = (message: string | null): void => {
    setToken(null);
    setSession(null);
    setNotice(message);
  };
  const signIn = async (token: string): Promise<void> => {
    setToken(token);
    try {
      setSession(await getJson<Session>('/v1/session'));
      setNotice(null);
    } catch (error) {
      setToken(null);
      throw error;
    }
  };

  useEffect(() => {
    whenUnauthorized(() => signOut('The service refused the token: it is wrong or has been revoked. Sign in again.'));
    // A reload of the tab keeps the session's token.
    if (getToken() !== null) {
      getJson<Session>('/v1/session').then(setSession, (error: unknown) => {
        if (!(error instanceof ApiError && error.status === 401)) setNotice((error as Error).message);
      });
    }
  }, []);

  // After a view change, focus moves to the new view's content (screen readers announce it).
  useEffect(() => {
    main.current?.querySelector('h1')?.focus();
  }, [hash, session]);

  if (session === null) {
    return (
      <main ref={main} id="main">
        <SignIn notice={notice} onSignIn={signIn} />
      </main>
    );
  }
  const current = (target: string): 'page' | undefined =>
    (target === '#/reports' ? !/^#\/(history|ops|jobs)/.test(hash) : hash.startsWith(target)) ? 'page' : undefined;
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => { event.preventDefault(); main.current?.querySelector('h1')?.focus(); }}>Skip to content</a>
      <header class="top">
        <span class="brand">sheetpipe</span>
        <nav aria-label="Main">
          <a href="#/reports" aria-current={current('#/reports')}>Reports</a>
          <a href="#/history" aria-current={current('#/history')}>History</a>
          {session.operator ? <a href="#/ops" aria-current={current('#/ops')}>Operations</a> : null}
        </nav>
        <button type="button" class="link" onClick={() => signOut('Signed out.')}>Sign out</button>
      </header>
      <main ref={main} id="main">
        <Page hash={hash} session={session} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
