/**
 * A certificate revocation list (RFC 5280 §5: CRL v2) of the client certificates our CA revoked, signed by the
 * CA. Given to node:tls as the `crl` option, OpenSSL itself refuses a revoked certificate during the handshake;
 * `openssl verify -crl_check` reads it too. node-forge cannot make CRLs, so the ASN.1 is built here and signed
 * with Node's crypto.
 *
 * `nextUpdate` is the CA's own expiry: OpenSSL rejects every certificate once a CRL is past its nextUpdate, and a
 * local CA has no distribution point to fetch a fresh one from, so the list must not go stale on its own.
 */
import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
const CRL_NUMBER = '2.5.29.20';

export interface RevokedEntry {
  /** Hex serial. */
  serial: string;
  revokedMs: number;
}

const seq = (items: forge.asn1.Asn1[]): forge.asn1.Asn1 =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const oid = (id: string): forge.asn1.Asn1 =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const integerHex = (hex: string): forge.asn1.Asn1 => {
  // A positive INTEGER: pad to whole bytes, and a leading zero byte when the top bit is set.
  let even = hex.length % 2 === 1 ? `0${hex}` : hex;
  if (/^[89a-f]/i.test(even)) even = `00${even}`;
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(even));
};
const algorithm = (): forge.asn1.Asn1 =>
  seq([oid(SHA256_WITH_RSA), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]);

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function time(ms: number): forge.asn1.Asn1 {
  const date = new Date(Math.floor(ms / 1000) * 1000);
  return date.getUTCFullYear() < 2050
    ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

/** The CRL in PEM, listing `revoked`, valid from `nowMs` until the CA expires. */
export function buildRevocationList(
  caCert: forge.pki.Certificate,
  caKey: KeyObject,
  revoked: readonly RevokedEntry[],
  nowMs = Date.now(),
): string {
  const entries = revoked.map((r) => seq([integerHex(r.serial), time(r.revokedMs)]));
  const keyId = caCert.generateSubjectKeyIdentifier().getBytes();
  const extensions = seq([
    seq([
      oid(AUTHORITY_KEY_IDENTIFIER),
      asn1.create(
        asn1.Class.UNIVERSAL,
        asn1.Type.OCTETSTRING,
        false,
        asn1.toDer(seq([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, keyId)])).getBytes(),
      ),
    ]),
    seq([
      oid(CRL_NUMBER),
      asn1.create(
        asn1.Class.UNIVERSAL,
        asn1.Type.OCTETSTRING,
        false,
        asn1.toDer(integerHex(Math.floor(nowMs / 1000).toString(16))).getBytes(),
      ),
    ]),
  ]);
  const tbs = seq([
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(1).getBytes()),
    algorithm(),
    forge.pki.distinguishedNameToAsn1(caCert.subject),
    time(nowMs),
    time(caCert.validity.notAfter.getTime()),
    // An empty revokedCertificates must be left out, not written as an empty SEQUENCE (§5.1.2.6).
    ...(entries.length > 0 ? [seq(entries)] : []),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [extensions]),
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, caKey).toString('binary');
  const crl = seq([
    tbs,
    algorithm(),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + signature),
  ]);
  const body = Buffer.from(asn1.toDer(crl).getBytes(), 'binary').toString('base64');
  return `-----BEGIN X509 CRL-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END X509 CRL-----\n`;
}
