// Verifies a compact JWS of a given typ (a status list: statuslist+jwt or
// vc+jwt) with panva's jose against a JWKS, as any verifier would with the
// issuer's published keys.
// stdin: {"jwt": "...", "jwks": {...}, "typ": "..."}  stdout: {"header": {...}, "payload": {...}}
import { jwtVerify, createLocalJWKSet } from 'jose';
import { readStdin } from './stdin.mjs';

const { jwt, jwks, typ } = await readStdin();
const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
  typ,
  algorithms: ['ES256', 'EdDSA', 'Ed25519'],
});
process.stdout.write(JSON.stringify({ header: protectedHeader, payload }));
