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

/** The server's rule for a device name (it goes into the certificate's subject and the file name). */
const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;

export function CertificatesSection(): JSX.Element {
  const [certs, setCerts] = useState<CertificatesResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [issue, setIssue] = useState<IssueClientCertRequest>({ name: '', password: '' });
  const [fieldErrors, setFieldErrors] = useState<{ name?: string; password?: string }>({});
  const fail = (err: unknown): void => setError(err instanceof ApiError ? err.message : String(err));
  const load = (): void => {
    getJson<CertificatesResponse>('/certs', 'Loading the certificates').then(setCerts).catch(fail);
  };
  useEffect(load, []);

  const issueCert = (): void => {
    setError(null);
    setNote(null);
    const name = issue.name.trim();
    const problems: { name?: string; password?: string } = {};
    if (name === '') problems.name = 'Name the device or person the certificate is for.';
    else if (!DEVICE_NAME.test(name))
      problems.name = 'Use letters, digits, spaces, dots, dashes or @ (up to 64), starting with a letter or digit.';
    if (issue.password.length < 4) problems.password = 'Choose a password of at least 4 characters for the file.';
    setFieldErrors(problems);
    if (problems.name !== undefined || problems.password !== undefined) return;
    apiFetch(
      '/certs/clients',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...issue, name }),
      },
      'Issuing the certificate',
    )
      .then((r) => r.blob())
      .then((blob) => {
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url;
        a.download = `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.p12`;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        setNote(`Issued a certificate for ${name}: install the .p12 file with the password you chose.`);
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
            <input
              name="certificateName"
              value={issue.name}
              aria-invalid={fieldErrors.name !== undefined}
              aria-describedby={fieldErrors.name !== undefined ? 'cert-name-error' : undefined}
              onChange={(e) => {
                setIssue({ ...issue, name: e.target.value });
                setFieldErrors({ ...fieldErrors, name: undefined });
              }}
            />
            <span className="hint">e.g. Annas phone: letters, digits, spaces, dots, dashes or @.</span>
            {fieldErrors.name !== undefined && (
              <span className="field-error" id="cert-name-error" role="alert" data-error-for="certificateName">
                {fieldErrors.name}
              </span>
            )}
          </label>
          <label className="field">
            <span>File password</span>
            <input
              type="password"
              name="certificatePassword"
              autoComplete="new-password"
              value={issue.password}
              aria-invalid={fieldErrors.password !== undefined}
              aria-describedby={fieldErrors.password !== undefined ? 'cert-password-error' : undefined}
              onChange={(e) => {
                setIssue({ ...issue, password: e.target.value });
                setFieldErrors({ ...fieldErrors, password: undefined });
              }}
            />
            <span className="hint">Asked for when the file is installed on the device.</span>
            {fieldErrors.password !== undefined && (
              <span className="field-error" id="cert-password-error" role="alert" data-error-for="certificatePassword">
                {fieldErrors.password}
              </span>
            )}
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
