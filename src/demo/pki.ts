/**
 * The demo's certificates, fresh on every run (pki/generate.ts; nothing is ever committed): one demo
 * CA the policies trust, one CA nobody trusts, the four backends' server certificates and the
 * gateway's backend client certificate.
 */
import { createCa, type IssuedCertificate } from '../pki/generate.ts';

/** The hostname every demo policy asks for (validation.hostname, sent as SNI). */
export const DEMO_HOSTNAME = 'backend.demo';
/** The name on the wrong-host backend's certificate. */
export const OTHER_HOSTNAME = 'other.demo';
/** Common names, as the verdicts print them. */
export const DEMO_CA_NAME = 'lastmile demo CA';
export const ROGUE_CA_NAME = 'untrusted demo CA';
export const CLIENT_NAME = 'lastmile demo gateway';

export interface DemoPki {
  /** The CA the policies trust (public part only: its key stays in memory). */
  readonly caPem: string;
  /** Certificate for backend.demo signed by the demo CA (`good` and `mtls`). */
  readonly good: IssuedCertificate;
  /** Certificate for other.demo signed by the demo CA (`wrong-host`). */
  readonly wrongHost: IssuedCertificate;
  /** Certificate for backend.demo signed by a CA no policy trusts (`untrusted`). */
  readonly untrusted: IssuedCertificate;
  /** The gateway's client certificate (Gateway spec.tls.backend.clientCertificateRef). */
  readonly client: IssuedCertificate;
}

/** Creates the demo PKI (ECDSA P-256; a few milliseconds). */
export async function createDemoPki(): Promise<DemoPki> {
  const [ca, rogue] = await Promise.all([createCa({ commonName: DEMO_CA_NAME }), createCa({ commonName: ROGUE_CA_NAME })]);
  const [good, wrongHost, untrusted, client] = await Promise.all([
    ca.issue({ dnsNames: [DEMO_HOSTNAME] }),
    ca.issue({ dnsNames: [OTHER_HOSTNAME] }),
    rogue.issue({ dnsNames: [DEMO_HOSTNAME] }),
    ca.issue({ commonName: CLIENT_NAME, usage: 'client' }),
  ]);
  return { caPem: ca.certPem, good, wrongHost, untrusted, client };
}
