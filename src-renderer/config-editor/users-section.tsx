/** Users who may sign in: listed, added (or a password reset) and removed at once through /users. */
import { useEffect, useState } from 'react';
import type { JSX } from 'react';
import type { UserSummary, UserWriteRequest } from '../../src-shared/api.js';
import { ApiError, getJson, sendJson } from '../api/api-client.js';

export function UsersSection(): JSX.Element {
  const [users, setUsers] = useState<UserSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [form, setForm] = useState<UserWriteRequest>({ username: '', password: '', role: 'viewer' });
  const fail = (err: unknown): void => setError(err instanceof ApiError ? err.message : String(err));
  const load = (): void => {
    getJson<UserSummary[] | { users: UserSummary[] }>('/users', 'Loading the users')
      .then((r) => setUsers(Array.isArray(r) ? r : r.users))
      .catch(fail);
  };
  useEffect(load, []);

  const add = (): void => {
    setError(null);
    setNote(null);
    if (form.username.trim() === '') return setError('Enter a user name.');
    if (form.password.length < 8) return setError('Choose a password of at least 8 characters.');
    sendJson('POST', '/users', { ...form, username: form.username.trim() }, 'Saving the user')
      .then(() => {
        setNote(`Saved ${form.username.trim()}.`);
        setForm({ username: '', password: '', role: 'viewer' });
        load();
      })
      .catch(fail);
  };
  const remove = (username: string): void => {
    if (!window.confirm(`Remove ${username}? They will be signed out.`)) return;
    sendJson('DELETE', `/users/${encodeURIComponent(username)}`, undefined, 'Removing the user')
      .then(load)
      .catch(fail);
  };

  return (
    <div className="panel">
      <h2>Users</h2>
      <p className="muted">Changes here apply at once.</p>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {note !== null && (
        <p className="ok" role="status">
          {note}
        </p>
      )}
      {users === null ? (
        <p>Loading…</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>User</th>
              <th>Role</th>
              <th>Since</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.username}>
                <td>{u.username}</td>
                <td>{u.role === 'admin' ? 'Administrator' : 'Viewer'}</td>
                <td>{new Date(u.createdMs).toLocaleDateString()}</td>
                <td>
                  <button type="button" onClick={() => remove(u.username)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Add a user or set a new password</h3>
      <div className="fields">
        <label className="field">
          <span>User name</span>
          <input value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        </label>
        <label className="field">
          <span>Role</span>
          <select
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value === 'admin' ? 'admin' : 'viewer' })}
          >
            <option value="viewer">Viewer (watch only)</option>
            <option value="admin">Administrator (can change settings)</option>
          </select>
        </label>
      </div>
      <div className="row-actions">
        <button type="button" className="primary" onClick={add}>
          Save user
        </button>
      </div>
    </div>
  );
}
