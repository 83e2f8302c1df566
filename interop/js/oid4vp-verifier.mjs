// A verifier built with @openid4vc/openid4vp (verifier side) and
// @sd-jwt/sd-jwt-vc: it makes an OpenID4VP request with the library (DCQL,
// redirect_uri client identifier, direct_post, by value), serves its
// response_uri on loopback, and verifies what the wallet posts: the library
// parses and validates the response (state, DCQL vp_token), @sd-jwt verifies
// the SD-JWT VC against the issuer's JWKS and its key-binding JWT against the
// holder's cnf key, the nonce and the client_id.
// With "tls" ({"key": PKCS#8 PEM, "cert": PEM, "x5c": [base64 DER]}), it serves
// HTTPS as localhost and the library signs the request (JAR, x5c) under the
// x509_san_dns client identifier prefix, passed by reference (request_uri).
// stdin: {"vct": "…", "claims": ["mention"], "jwks": {...}, "tls": {...}?}
// stdout, one JSON line each: {"uri": "openid4vp://…"}, then
// {"verified": true, "claims": {...}, "disclosed": [...], "kb": {...}} or {"verified": false, "error": "…"}
import http from 'node:http';
import https from 'node:https';
import { randomBytes, webcrypto } from 'node:crypto';
import { Openid4vpVerifier } from '@openid4vc/openid4vp';
import { setGlobalConfig } from '@openid4vc/utils';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest, ES256 } from '@sd-jwt/crypto-nodejs';
import { decodeJwt, decodeProtectedHeader, importPKCS8, SignJWT } from 'jose';
import { readStdin } from './stdin.mjs';

setGlobalConfig({ allowInsecureUrls: true });
const { vct, claims, jwks, tls } = await readStdin();

const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }) : http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `${tls ? 'https' : 'http'}://${tls ? 'localhost' : '127.0.0.1'}:${server.address().port}`;
const responseUri = `${base}/response`;
const callbacks = {
  fetch,
  // The JAR's signature: ES256 with the TLS key, x5c in the header.
  signJwt: async (signer, { header, payload }) => {
    const key = await importPKCS8(tls.key, 'ES256');
    return { jwt: await new SignJWT(payload).setProtectedHeader(header).sign(key) };
  },
};
const verifier = new Openid4vpVerifier({ callbacks });
const { authorizationRequest, authorizationRequestPayload, authorizationRequestObject, jar } = await verifier.createOpenId4vpAuthorizationRequest({
  authorizationRequestPayload: {
    response_type: 'vp_token',
    client_id: tls ? 'x509_san_dns:localhost' : `redirect_uri:${responseUri}`,
    response_uri: responseUri,
    response_mode: 'direct_post',
    nonce: randomBytes(16).toString('base64url'),
    state: randomBytes(16).toString('base64url'),
    dcql_query: { credentials: [{ id: 'degree', format: 'dc+sd-jwt', meta: { vct_values: [vct] }, claims: claims.map((c) => ({ path: [c] })) }] },
    client_metadata: { client_name: 'Interop employer', vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256', 'EdDSA'], 'kb-jwt_alg_values': ['ES256'] } } },
  },
  jar: tls ? { requestUri: `${base}/request`, jwtSigner: { method: 'x5c', alg: 'ES256', x5c: tls.x5c }, expiresInSeconds: 300 } : undefined,
});
process.stdout.write(JSON.stringify({ uri: authorizationRequest }) + '\n');

const timer = setTimeout(() => finish({ verified: false, error: 'no response within 60 s' }, 1), 60_000);
function finish(result, code = 0) {
  clearTimeout(timer);
  process.stdout.write(JSON.stringify(result) + '\n');
  server.close();
  server.closeAllConnections?.();
  process.exitCode = code;
}

async function verify(form) {
  const parsed = await verifier.parseOpenid4vpAuthorizationResponse({ authorizationResponse: form, authorizationRequestPayload });
  if (parsed.type !== 'dcql') throw new Error(`response type ${parsed.type}`);
  const presentations = parsed.dcql.presentations.degree;
  if (!presentations || presentations.length !== 1) throw new Error(`presentations ${JSON.stringify(parsed.dcql.presentations)}`);
  const presentation = presentations[0];
  const header = decodeProtectedHeader(presentation.split('~')[0]);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`no issuer key ${header.kid}`);
  const issuerVerifier = async (data, signature) => {
    if (header.alg === 'ES256') return (await ES256.getVerifier(jwk))(data, signature);
    const key = await webcrypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['verify']);
    return webcrypto.subtle.verify('Ed25519', key, Buffer.from(signature, 'base64url'), new TextEncoder().encode(data));
  };
  const kbVerifier = async (data, signature, payload) => (await ES256.getVerifier(payload.cnf.jwk))(data, signature);
  const sdjwtvc = new SDJwtVcInstance({ hasher: digest, verifier: issuerVerifier, kbVerifier });
  const result = await sdjwtvc.verify(presentation, { keyBindingNonce: parsed.expectedNonce, requiredClaimKeys: claims });
  if (result.kb.payload.aud !== authorizationRequestPayload.client_id) throw new Error(`kb aud ${result.kb.payload.aud}`);
  const disclosed = presentation.split('~').slice(1, -1).map((d) => JSON.parse(Buffer.from(d, 'base64url').toString())[1]);
  return { verified: true, claims: result.payload, disclosed, kb: result.kb.payload, vct: decodeJwt(presentation.split('~')[0]).vct, byReference: Boolean(authorizationRequestObject.request_uri) };
}

server.on('request', (req, res) => {
  if (jar && req.method === 'GET' && req.url === '/request') {
    res.writeHead(200, { 'Content-Type': 'application/oauth-authz-req+jwt' }).end(jar.authorizationRequestJwt);
    return;
  }
  if (req.method !== 'POST' || req.url !== '/response') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
    try {
      const result = await verify(form);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      finish(result);
    } catch (e) {
      res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request', error_description: e.message }));
      finish({ verified: false, error: e.message }, 1);
    }
  });
});
