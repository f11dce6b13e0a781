/**
 * Certificate generation for tests and the demo: a CA, leaves with DNS and URI SANs, client
 * certificates, expired or not-yet-valid leaves. ECDSA P-256 through WebCrypto (@peculiar/x509):
 * fast enough to make fresh PKI for every test run, so no key material is ever committed.
 */
import 'reflect-metadata'; // @peculiar/x509 (tsyringe) throws at import without it
import * as x509 from '@peculiar/x509';
import { webcrypto, randomBytes } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface IssuedCertificate {
  /** PEM of the certificate. */
  readonly certPem: string;
  /** PEM (PKCS#8) of the private key. */
  readonly keyPem: string;
}

export interface CertificateAuthority extends IssuedCertificate {
  readonly subject: string;
  /** Issues a leaf signed by this CA. */
  issue(options: LeafOptions): Promise<IssuedCertificate>;
}

export interface LeafOptions {
  /** Subject common name (defaults to the first DNS name, or `leaf`). */
  readonly commonName?: string;
  readonly dnsNames?: readonly string[];
  readonly uris?: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** `server` (default), `client`, or both. */
  readonly usage?: 'server' | 'client' | 'both';
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export interface CaOptions {
  readonly commonName?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f; // positive INTEGER
  return b.toString('hex');
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']));
}

/** Creates a self-signed CA (basicConstraints CA:TRUE, keyCertSign). */
export async function createCa(options: CaOptions = {}): Promise<CertificateAuthority> {
  const now = Date.now();
  const keys = await newKeys();
  const subject = `CN=${options.commonName ?? 'lastmile test CA'}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: subject,
    notBefore: options.notBefore ?? new Date(now - DAY),
    notAfter: options.notAfter ?? new Date(now + 30 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const caKeyPem = await keyPem(keys.privateKey);
  return {
    certPem: cert.toString('pem') + '\n',
    keyPem: caKeyPem,
    subject,
    async issue(leaf: LeafOptions): Promise<IssuedCertificate> {
      const leafKeys = await newKeys();
      const names: x509.JsonGeneralName[] = [
        ...(leaf.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
        ...(leaf.uris ?? []).map((value) => ({ type: 'url' as const, value })),
        ...(leaf.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
      ];
      const usage = leaf.usage ?? 'server';
      const eku =
        usage === 'server'
          ? [x509.ExtendedKeyUsage.serverAuth]
          : usage === 'client'
            ? [x509.ExtendedKeyUsage.clientAuth]
            : [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
      const extensions: x509.Extension[] = [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension(eku),
        await x509.AuthorityKeyIdentifierExtension.create(cert, false),
      ];
      if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
      const issued = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${leaf.commonName ?? leaf.dnsNames?.[0] ?? 'leaf'}`,
        issuer: cert.subject,
        notBefore: leaf.notBefore ?? new Date(Date.now() - DAY),
        notAfter: leaf.notAfter ?? new Date(Date.now() + 30 * DAY),
        signingKey: keys.privateKey,
        publicKey: leafKeys.publicKey,
        signingAlgorithm: ALG,
        extensions,
      });
      return { certPem: issued.toString('pem') + '\n', keyPem: await keyPem(leafKeys.privateKey) };
    },
  };
}
