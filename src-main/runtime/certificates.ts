/**
 * Certificates for the runtime: on start, whatever the HTTPS ports need is made or renewed (ensureCertificates:
 * our CA, a server certificate per port); each port's TLS material; and the server's CertificatesService (list,
 * CA download, issue a client .p12, revoke). A revocation takes effect at once: the revoked serial is refused
 * on its next request, and every TLS server gets a fresh revocation list so OpenSSL refuses it in the handshake.
 */
import type { CertificateSummary, CertificatesResponse } from '../../src-shared/api.js';
import type { ResolvedConfig, ResolvedHttpPort } from '../../src-shared/config/resolved-config.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import { LocalCa, caFiles, ensureCertificates, loadServerTls, normalizeSerial } from '../certs/index.js';
import type { HttpServerHandle, TlsMaterial } from '../server/http-server.js';
import type { CertificatesService } from '../server/server-context.js';
import { X509Certificate } from 'node:crypto';

export class RuntimeCertificates implements CertificatesService {
  private servers: Array<{ port: ResolvedHttpPort; server: HttpServerHandle }> = [];

  private constructor(
    readonly ca: LocalCa,
    private config: ResolvedConfig,
  ) {}

  /**
   * With an HTTPS port: makes or renews what is missing (logged). Without one: opens the CA if there is one,
   * else there is nothing to manage (null).
   */
  static async start(config: ResolvedConfig, log: (line: string) => void): Promise<RuntimeCertificates | null> {
    const needsTls = config.http.ports.some((p) => p.enabled && p.tls !== null);
    if (needsTls) {
      const { ca, actions } = await ensureCertificates(config);
      for (const a of actions) log(`certs: ${a}`);
      return new RuntimeCertificates(ca, config);
    }
    if (!(await LocalCa.exists(caFiles(config)))) return null;
    return new RuntimeCertificates(await LocalCa.open(caFiles(config)), config);
  }

  update(config: ResolvedConfig): void {
    this.config = config;
  }

  async tlsFor(port: ResolvedHttpPort): Promise<TlsMaterial> {
    if (port.tls === null) throw new Error(`http.ports[${port.index}] is plain HTTP`);
    const m = await loadServerTls(this.ca, port.tls);
    return {
      key: m.key,
      cert: m.cert,
      ca: m.ca,
      crl: m.crl,
      requestCert: m.requestCert,
      requireCert: m.rejectUnauthorized,
    };
  }

  /** The TLS servers to refresh after a revocation. */
  track(port: ResolvedHttpPort, server: HttpServerHandle): void {
    this.servers.push({ port, server });
  }

  async list(): Promise<CertificatesResponse> {
    const { ca, clients } = this.ca.summaries();
    const server: CertificateSummary[] = [];
    for (const { port } of this.servers) {
      if (port.tls === null) continue;
      const x = new X509Certificate((await this.tlsFor(port)).cert);
      server.push({
        serial: normalizeSerial(x.serialNumber),
        subject: x.subject.replace(/\n/g, ', '),
        notBeforeMs: Date.parse(x.validFrom),
        notAfterMs: Date.parse(x.validTo),
        revoked: false,
        kind: 'server',
      });
    }
    return { ca, server, clients };
  }

  async caPem(): Promise<string> {
    return this.ca.exportCaPem();
  }

  async issueClient(name: string, password: string): Promise<{ p12: Buffer; serial: string }> {
    const issued = await this.ca.issueClientCertificate(name, password, this.config.certs.clientDef);
    return { p12: issued.p12, serial: issued.serial };
  }

  async revoke(serial: string): Promise<void> {
    if (!(await this.ca.revoke(normalizeSerial(serial)))) {
      throw new ThinStreamError('NOT_FOUND', `This CA issued no certificate with serial ${serial}.`);
    }
    for (const { port, server } of this.servers) server.setSecureContext(await this.tlsFor(port));
  }

  isRevoked(serial: string): boolean {
    return this.ca.isRevoked(serial);
  }
}
