import { useState, type FormEvent } from 'react';
import { HttpError } from '../api.js';
import { logIn, type Session } from '../session.js';

export function LoginPage(props: { message?: string; onLoggedIn: (s: Session) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>(props.message);
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    logIn(email, password).then(props.onLoggedIn, (err: unknown) => {
      setBusy(false);
      setError(
        err instanceof HttpError && err.status === 401
          ? 'Wrong email or password.'
          : err instanceof Error
            ? err.message
            : String(err),
      );
    });
  };
  return (
    <main className="login" id="main">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Log in to Strata</h1>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <label htmlFor="login-email">Email</label>
        <input
          id="login-email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="login-password">Password</label>
        <input
          id="login-password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
