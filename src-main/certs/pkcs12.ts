/**
 * PKCS#12 (RFC 7292) files with the crypto done by Node (OpenSSL), not by node-forge's pure JavaScript, so that
 * writing or opening a key takes milliseconds and never stalls the event loop that carries the video.
 *
 * What we write is the modern kind OpenSSL 3 opens without `-legacy`: the key as an EncryptedPrivateKeyInfo
 * (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC; made by Node's KeyObject.export), the certificates in a plain
 * SafeContents, and an HMAC-SHA256 MAC over the whole (key from the RFC 7292 §B.2 derivation).
 * What we read: our own files and the usual OpenSSL ones; a file whose certificates are encrypted (OpenSSL's
 * default) is handed to node-forge for those, which is slower but only happens with files a user brings.
 */
import { createHmac, createPrivateKey, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { ThinStreamError } from '../../src-shared/errors.js';

const { asn1 } = forge;
const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;
const MAC_ITERATIONS = 2048;

const seq = (items: forge.asn1.Asn1[]): forge.asn1.Asn1 =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const set = (items: forge.asn1.Asn1[]): forge.asn1.Asn1 =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, items);
const oid = (id: string): forge.asn1.Asn1 =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const octets = (bytes: Uint8Array): forge.asn1.Asn1 =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, Buffer.from(bytes).toString('binary'));
const explicit0 = (inner: forge.asn1.Asn1): forge.asn1.Asn1 =>
  asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [inner]);
const der = (node: forge.asn1.Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
const fromDer = (bytes: Uint8Array): forge.asn1.Asn1 => asn1.fromDer(Buffer.from(bytes).toString('binary'));

/** A `.p12` holding `key` and its chain (leaf first, as DER), protected by `password`. */
export function buildPkcs12(key: KeyObject, chainDer: Uint8Array[], password: string, friendlyName: string): Buffer {
  const leaf = chainDer[0];
  const attributes: forge.asn1.Asn1[] = [
    seq([oid(OID.friendlyName), set([asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BMPSTRING, false, friendlyName)])]),
  ];
  if (leaf) attributes.push(seq([oid(OID.localKeyId), set([octets(createHash('sha1').update(leaf).digest())])]));
  const bagAttributes = set(attributes);

  const encryptedKey = key.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: password });
  const keyBag = seq([oid(OID.shroudedKeyBag), explicit0(fromDer(encryptedKey)), bagAttributes]);
  const certBags = chainDer.map((cert, i) => {
    const bag = [oid(OID.certBag), explicit0(seq([oid(OID.x509Certificate), explicit0(octets(cert))]))];
    return seq(i === 0 ? [...bag, bagAttributes] : bag);
  });
  const dataInfo = (safeContents: forge.asn1.Asn1[]): forge.asn1.Asn1 =>
    seq([oid(OID.data), explicit0(octets(der(seq(safeContents))))]);
  const authSafe = der(seq([dataInfo(certBags), dataInfo([keyBag])]));

  const salt = randomBytes(16);
  const mac = computeMac('sha256', password, salt, MAC_ITERATIONS, authSafe);
  const macData = seq([
    seq([seq([oid(OID.sha256), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]), octets(mac)]),
    octets(salt),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(MAC_ITERATIONS).getBytes()),
  ]);
  const pfx = seq([
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(3).getBytes()),
    seq([oid(OID.data), explicit0(octets(authSafe))]),
    macData,
  ]);
  return der(pfx);
}

export interface OpenedPkcs12 {
  key: KeyObject;
  /** Certificates in the file, DER, in file order. */
  certsDer: Buffer[];
}

/** Opens a `.p12`: a wrong password is CERT_INVALID saying so (`what` names the file in messages). */
export function openPkcs12(bytes: Uint8Array, password: string, what: string): OpenedPkcs12 {
  try {
    return openPfx(fromDer(bytes), bytes, password, what);
  } catch (err) {
    if (err instanceof ThinStreamError) throw err;
    throw new ThinStreamError('CERT_INVALID', `${what} is not a readable PKCS#12 file`, { cause: err });
  }
}

function openPfx(pfx: forge.asn1.Asn1, bytes: Uint8Array, password: string, what: string): OpenedPkcs12 {
  const parts = children(pfx);
  const authSafeInfo = children(parts[1]);
  if (oidOf(authSafeInfo[0]) !== OID.data)
    throw new ThinStreamError('CERT_INVALID', `${what} is a PKCS#12 signed with a public key, which is not supported`);
  const authSafe = octetsOf(children(authSafeInfo[1])[0]);
  if (parts[2]) verifyMac(parts[2], password, authSafe, what);

  let key: KeyObject | undefined;
  const certsDer: Buffer[] = [];
  for (const info of children(fromDer(authSafe))) {
    const [type, content] = children(info);
    if (oidOf(type) !== OID.data) return openWithForge(bytes, password, what);
    for (const bag of children(fromDer(octetsOf(children(content)[0])))) {
      const [bagId, bagValue] = children(bag);
      const value = children(bagValue)[0];
      const id = oidOf(bagId);
      if (id === OID.certBag) {
        const [certId, certValue] = children(value);
        if (oidOf(certId) === OID.x509Certificate) certsDer.push(octetsOf(children(certValue)[0]));
      } else if ((id === OID.shroudedKeyBag || id === OID.keyBag) && value && key === undefined) {
        key = decryptKey(der(value), id === OID.shroudedKeyBag ? password : undefined, what);
      }
    }
  }
  if (!key) throw new ThinStreamError('CERT_INVALID', `${what} holds no private key`);
  return { key, certsDer };
}

function decryptKey(info: Buffer, password: string | undefined, what: string): KeyObject {
  try {
    return password === undefined
      ? createPrivateKey({ key: info, format: 'der', type: 'pkcs8' })
      : createPrivateKey({ key: info, format: 'der', type: 'pkcs8', passphrase: password });
  } catch (err) {
    throw new ThinStreamError('CERT_INVALID', `${what}: its key does not open with the configured pass`, {
      cause: err,
    });
  }
}

function verifyMac(macData: forge.asn1.Asn1, password: string, authSafe: Buffer, what: string): void {
  const [digestInfo, saltNode, iterNode] = children(macData);
  const [algorithm, digestNode] = children(digestInfo);
  const algorithmOid = oidOf(children(algorithm)[0]);
  const hash = algorithmOid === OID.sha256 ? 'sha256' : algorithmOid === OID.sha1 ? 'sha1' : null;
  if (hash === null) throw new ThinStreamError('CERT_INVALID', `${what} uses a MAC algorithm we do not know`);
  const iterations = iterNode ? asn1.derToInteger(String(iterNode.value)) : 1;
  const expected = octetsOf(digestNode);
  const actual = computeMac(hash, password, octetsOf(saltNode), iterations, authSafe);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
    throw new ThinStreamError('CERT_INVALID', `${what} does not open with the configured pass (wrong password?)`);
}

/** HMAC over the AuthenticatedSafe with the RFC 7292 §B.2 key (ID 3), password as BMPString plus two zero bytes. */
function computeMac(
  hash: 'sha1' | 'sha256',
  password: string,
  salt: Uint8Array,
  iterations: number,
  data: Buffer,
): Buffer {
  const md = hash === 'sha256' ? forge.md.sha256.create() : forge.md.sha1.create();
  const keyLength = hash === 'sha256' ? 32 : 20;
  const saltBuffer = forge.util.createBuffer(Buffer.from(salt).toString('binary'));
  const macKey = forge.pkcs12.generateKey(password, saltBuffer, 3, iterations, keyLength, md);
  return createHmac(hash, Buffer.from(macKey.getBytes(), 'binary')).update(data).digest();
}

/** Files with encrypted certificate bags (OpenSSL's default), read by node-forge. */
function openWithForge(bytes: Uint8Array, password: string, what: string): OpenedPkcs12 {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(fromDer(bytes), password);
  } catch (err) {
    throw new ThinStreamError('CERT_INVALID', `${what} cannot be opened: ${String(err)}`, { cause: err });
  }
  const bags = p12.safeContents.flatMap((c) => c.safeBags);
  const keyBag = bags.find((b) => b.key);
  if (!keyBag?.key) throw new ThinStreamError('CERT_INVALID', `${what} holds no private key`);
  const key = createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));
  const certsDer = bags.flatMap((b) =>
    b.cert ? [Buffer.from(asn1.toDer(forge.pki.certificateToAsn1(b.cert)).getBytes(), 'binary')] : [],
  );
  return { key, certsDer };
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new Error('malformed PKCS#12 structure');
  return node.value;
}

function oidOf(node: forge.asn1.Asn1 | undefined): string {
  if (!node || typeof node.value !== 'string') throw new Error('malformed PKCS#12 structure');
  return asn1.derToOid(node.value);
}

function octetsOf(node: forge.asn1.Asn1 | undefined): Buffer {
  if (!node) throw new Error('malformed PKCS#12 structure');
  // BER files may split an OCTET STRING into constructed pieces.
  if (Array.isArray(node.value)) return Buffer.concat(node.value.map((part) => octetsOf(part)));
  return Buffer.from(node.value, 'binary');
}
