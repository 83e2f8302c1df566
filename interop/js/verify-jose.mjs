// Verifies a vc+jwt with panva's jose against a JWKS.
// stdin: {"jwt": "...", "jwks": {...}}  stdout: {"header": {...}, "payload": {...}}
import { jwtVerify, createLocalJWKSet } from 'jose';
import { readStdin } from './stdin.mjs';

const { jwt, jwks } = await readStdin();
const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
  typ: 'vc+jwt',
  algorithms: ['ES256', 'EdDSA', 'Ed25519'],
});
process.stdout.write(JSON.stringify({ header: protectedHeader, payload }));
