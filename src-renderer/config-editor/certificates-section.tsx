/**
 * Certificates: the local CA (download it so phones and PCs trust this server), the server certificates, and
 * device certificates: issue one as a password-protected .p12 to install on a phone or PC, or revoke it.
 */
import { useEffect, useState } from 'react';
import type { JSX } from 'react';
import { API_PREFIX } from '../../src-shared/api.js';
import type { CertificateSummary, CertificatesResponse, IssueClientCertRequest } from '../../src-shared/api.js';
import { ApiError, apiFetch, getJson, sendJson } from '../api/api-client.js';

function CertRow(props: { cert: CertificateSummary; onRevoke?: () => void }): JSX.Element {
  const c = props.cert;
  const expired = c.notAfterMs < Date.now();
  return (
    <tr>
      <td>{c.subject}</td>
      <td>{new Date(c.notBeforeMs).toLocaleDateString()}</td>
      <td className={expired ? 'error' : ''}>{new Date(c.notAfterMs).toLocaleDateString()}</td>
      <td>{c.revoked ? <span className="error">revoked</span> : expired ? 'expired' : 'valid'}</td>
      <td>
        {props.onRevoke !== undefined && !c.revoked && (
          <button type="button" onClick={props.onRevoke}>
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}

export function CertificatesSection(): JSX.Element {
  const [certs, setCerts] = useState<CertificatesResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [issue, setIssue] = useState<IssueClientCertRequest>({ name: '', password: '' });
  const fail = (err: unknown): void => setError(err instanceof ApiError ? err.message : String(err));
  const load = (): void => {
    getJson<CertificatesResponse>('/certs', 'Loading the certificates').then(setCerts).catch(fail);
  };
  useEffect(load, []);

  const issueCert = (): void => {
    setError(null);
    setNote(null);
    if (issue.name.trim() === '') return setError('Name the device or person the certificate is for.');
    if (issue.password.length < 4) return setError('Choose a password of at least 4 characters for the file.');
    apiFetch(
      '/certs/clients',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...issue, name: issue.name.trim() }),
      },
      'Issuing the certificate',
    )
      .then((r) => r.blob())
      .then((blob) => {
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url;
        a.download = `${issue.name.trim().replace(/[^A-Za-z0-9._-]+/g, '_')}.p12`;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        setNote(`Issued a certificate for ${issue.name.trim()}: install the .p12 file with the password you chose.`);
        setIssue({ name: '', password: '' });
        load();
      })
      .catch(fail);
  };
  const revoke = (serial: string): void => {
    if (!window.confirm('Revoke this certificate? The device will no longer be let in with it.')) return;
    sendJson('POST', `/certs/clients/${encodeURIComponent(serial)}/revoke`, undefined, 'Revoking')
      .then(load)
      .catch(fail);
  };

  return (
    <div>
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
      <div className="panel">
        <h2>This server's certificate authority</h2>
        {certs === null ? (
          <p>Loading…</p>
        ) : (
          <>
            <p>
              {certs.ca.subject}, valid until {new Date(certs.ca.notAfterMs).toLocaleDateString()}.
            </p>
            <p className="muted">Install it on a phone or PC so browsers trust this server without warnings.</p>
            <a href={`${API_PREFIX}/certs/ca`} download="thinstream-ca.crt">
              Download the CA certificate
            </a>
            <h3>Server certificates</h3>
            <table>
              <tbody>
                {certs.server.map((c) => (
                  <CertRow key={c.serial} cert={c} />
                ))}
              </tbody>
            </table>
          </>
        )}
      </div>
      <div className="panel">
        <h2>Device certificates</h2>
        {certs !== null && certs.clients.length > 0 && (
          <table>
            <thead>
              <tr>
                <th>For</th>
                <th>From</th>
                <th>Until</th>
                <th>State</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {certs.clients.map((c) => (
                <CertRow key={c.serial} cert={c} onRevoke={() => revoke(c.serial)} />
              ))}
            </tbody>
          </table>
        )}
        <h3>Issue a certificate</h3>
        <div className="fields">
          <label className="field">
            <span>For (device or person)</span>
            <input value={issue.name} onChange={(e) => setIssue({ ...issue, name: e.target.value })} />
          </label>
          <label className="field">
            <span>File password</span>
            <input
              type="password"
              autoComplete="new-password"
              value={issue.password}
              onChange={(e) => setIssue({ ...issue, password: e.target.value })}
            />
          </label>
        </div>
        <div className="row-actions">
          <button type="button" className="primary" onClick={issueCert}>
            Issue and download
          </button>
        </div>
      </div>
    </div>
  );
}
