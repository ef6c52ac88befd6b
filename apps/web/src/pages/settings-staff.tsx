import { useState, type FormEvent } from 'react';
import { PASSWORD_MIN_LENGTH, type ApiKeyCreatedResponse, type StaffMember } from '@strata/api';
import { apiKeyScopes, roleOfScope, staffRoles, type ApiKeyScope, type StaffRole } from '@strata/core';
import { Loaded } from '../components.js';
import { when } from '../format.js';
import {
  addStaff,
  changeRole,
  createApiKey,
  listApiKeys,
  listStaff,
  removeStaff,
  revokeApiKey,
} from '../settings-data.js';
import { useLoad } from '../use-load.js';

/*
 * Staff accounts and scoped API keys: shown to owners only (the server answers nobody else).
 * A new key is shown once, right after it is made; the list has only its first characters.
 */

const roleWords: Record<StaffRole, string> = { owner: 'owner', marketer: 'marketer', read_only: 'read-only' };
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

function Outcome(props: { error: string | undefined }) {
  return props.error ? (
    <p className="error" role="alert">
      {props.error}
    </p>
  ) : null;
}

export function Staff(props: { self: string }) {
  const [staff, reload] = useLoad(listStaff, []);
  const [error, setError] = useState<string | undefined>();
  const [draft, setDraft] = useState<{ email: string; role: StaffRole; password: string }>({
    email: '',
    role: 'marketer',
    password: '',
  });
  const run = (p: Promise<unknown>, after?: () => void) =>
    p.then(
      () => {
        setError(undefined);
        after?.();
        reload();
      },
      (e: unknown) => setError(errorText(e)),
    );
  const add = (e: FormEvent) => {
    e.preventDefault();
    void run(addStaff(draft), () => setDraft({ email: '', role: 'marketer', password: '' }));
  };
  return (
    <>
      <h2>Staff</h2>
      <Loaded load={staff} what="the staff accounts">
        {(members) => (
          <table className="list compact" aria-label="Staff accounts">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Since</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <StaffRow
                  key={`${m.email}:${m.role}`}
                  member={m}
                  self={m.email === props.self}
                  onRole={(role) => void run(changeRole(m.email, role))}
                  onRemove={() => void run(removeStaff(m.email))}
                />
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      <form className="inline" onSubmit={add} aria-label="Add a staff member">
        <label htmlFor="staff-email">Email</label>
        <input
          id="staff-email"
          type="email"
          required
          autoComplete="off"
          value={draft.email}
          onChange={(e) => setDraft({ ...draft, email: e.target.value })}
        />
        <label htmlFor="staff-role">Role</label>
        <select
          id="staff-role"
          value={draft.role}
          onChange={(e) => setDraft({ ...draft, role: e.target.value as StaffRole })}
        >
          {staffRoles.map((r) => (
            <option key={r} value={r}>
              {roleWords[r]}
            </option>
          ))}
        </select>
        <label htmlFor="staff-password">First password</label>
        <input
          id="staff-password"
          type="password"
          required
          minLength={PASSWORD_MIN_LENGTH}
          autoComplete="new-password"
          aria-describedby="staff-password-help"
          value={draft.password}
          onChange={(e) => setDraft({ ...draft, password: e.target.value })}
        />
        <button type="submit">Add staff member</button>
        <span id="staff-password-help" className="hint">
          At least {PASSWORD_MIN_LENGTH} characters; give it to them yourself.
        </span>
      </form>
      <Outcome error={error} />
    </>
  );
}

function StaffRow(props: {
  member: StaffMember;
  self: boolean;
  onRole: (role: StaffRole) => void;
  onRemove: () => void;
}) {
  const { member } = props;
  const [role, setRole] = useState<StaffRole>(member.role);
  const id = `role-${member.email}`;
  return (
    <tr>
      <th scope="row">
        {member.email}
        {props.self ? <span className="muted"> (you)</span> : null}
      </th>
      <td>
        <label className="sr-only" htmlFor={id}>
          Role of {member.email}
        </label>
        <select id={id} value={role} onChange={(e) => setRole(e.target.value as StaffRole)}>
          {staffRoles.map((r) => (
            <option key={r} value={r}>
              {roleWords[r]}
            </option>
          ))}
        </select>{' '}
        <button type="button" disabled={role === member.role} onClick={() => props.onRole(role)}>
          Change role
        </button>
      </td>
      <td>{when(member.created_at)}</td>
      <td>
        <button
          type="button"
          className="danger"
          aria-label={`Remove ${member.email}`}
          disabled={props.self}
          onClick={() => {
            if (window.confirm(`Remove ${member.email}? They can no longer log in.`)) props.onRemove();
          }}
        >
          Remove
        </button>
      </td>
    </tr>
  );
}

export function ApiKeys() {
  const [keys, reload] = useLoad(listApiKeys, []);
  const [error, setError] = useState<string | undefined>();
  const [made, setMade] = useState<ApiKeyCreatedResponse | undefined>();
  const [draft, setDraft] = useState<{ name: string; scope: ApiKeyScope }>({ name: '', scope: 'read' });
  const create = (e: FormEvent) => {
    e.preventDefault();
    createApiKey(draft).then(
      (key) => {
        setMade(key);
        setError(undefined);
        setDraft({ name: '', scope: 'read' });
        reload();
      },
      (err: unknown) => setError(errorText(err)),
    );
  };
  const revoke = (id: string, name: string) => {
    if (!window.confirm(`Revoke the key "${name}"? Whatever uses it stops working.`)) return;
    revokeApiKey(id).then(
      () => {
        setError(undefined);
        if (made?.id === id) setMade(undefined);
        reload();
      },
      (err: unknown) => setError(errorText(err)),
    );
  };
  return (
    <>
      <h2>API keys</h2>
      <Loaded load={keys} what="the API keys">
        {(list) =>
          list.length === 0 ? (
            <p>No API keys.</p>
          ) : (
            <table className="list compact" aria-label="API keys">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Starts with</th>
                  <th scope="col">Made</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((k) => (
                  <tr key={k.id}>
                    <th scope="row">{k.name}</th>
                    <td>
                      {k.scope} <span className="muted">(acts as {roleWords[roleOfScope[k.scope]]})</span>
                    </td>
                    <td>
                      <code>{k.prefix}…</code>
                    </td>
                    <td>
                      {when(k.created_at)} <span className="muted">by {k.created_by}</span>
                    </td>
                    <td>
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Revoke ${k.name}`}
                        onClick={() => revoke(k.id, k.name)}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      {made ? (
        <div className="notice" role="status">
          <p>
            The key <strong>{made.name}</strong>, shown this once: copy it now.
          </p>
          <code data-testid="new-api-key">{made.key}</code>
        </div>
      ) : null}
      <form className="inline" onSubmit={create} aria-label="Make an API key">
        <label htmlFor="key-name">Key name</label>
        <input
          id="key-name"
          required
          maxLength={100}
          value={draft.name}
          onChange={(e) => setDraft({ ...draft, name: e.target.value })}
        />
        <label htmlFor="key-scope">Scope</label>
        <select
          id="key-scope"
          value={draft.scope}
          onChange={(e) => setDraft({ ...draft, scope: e.target.value as ApiKeyScope })}
        >
          {apiKeyScopes.map((s) => (
            <option key={s} value={s}>
              {s} (acts as {roleWords[roleOfScope[s]]})
            </option>
          ))}
        </select>
        <button type="submit">Make key</button>
      </form>
      <Outcome error={error} />
    </>
  );
}
