/**
 * `rtsps://` for tests: a TLS server (certificate made by the real openssl command line) that
 * terminates TLS and pipes the plain bytes to a camera's RTSP port, as a TLS-capable camera or a
 * stunnel in front of one would.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';

export interface TlsRelay {
  port: number;
  /** The certificate in PEM, for clients that verify it. */
  certPem: string;
  close(): Promise<void>;
}

/** A self-signed P-256 certificate for 127.0.0.1 and localhost, valid one day. */
export async function makeSelfSignedCert(): Promise<{ keyPem: string; certPem: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    await new Promise<void>((resolve, reject) =>
      execFile(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1,DNS:localhost',
        ],
        (err, _out, stderr) => (err ? reject(new Error(`openssl failed: ${stderr}`)) : resolve()),
      ),
    );
    return { keyPem: await readFile(key, 'utf8'), certPem: await readFile(cert, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function startTlsRelay(target: { host: string; port: number }): Promise<TlsRelay> {
  const { keyPem, certPem } = await makeSelfSignedCert();
  const sockets = new Set<Socket | TLSSocket>();
  const server = createServer({ key: keyPem, cert: certPem }, (client) => {
    const camera = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(camera);
    const end = () => {
      client.destroy();
      camera.destroy();
      sockets.delete(client);
      sockets.delete(camera);
    };
    client.on('error', end);
    camera.on('error', end);
    client.on('close', end);
    camera.on('close', end);
    client.pipe(camera);
    camera.pipe(client);
  });
  // A client that gives up during the handshake is not an error of the relay.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    certPem,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
