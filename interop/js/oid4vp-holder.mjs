// A wallet built with @openid4vc/openid4vp (holder side) and @sd-jwt/sd-jwt-vc
// answers an OpenID4VP request: parse the openid4vp:// URI, fetch the request
// object from request_uri, have the library resolve and validate the request
// (client identifier prefix, response_uri, DCQL), present the SD-JWT VC
// disclosing only the claims the DCQL query names with a key-binding JWT over
// the nonce and the client_id, and submit it (direct_post).
// stdin: {"uri": "openid4vp://…", "sdjwt": "…~", "holderJwk": {private JWK}}
// stdout: {"status": 200, "body": "…", "disclosed": [...], "prefix": "redirect_uri", "jarPath": "…"}
import { Openid4vpClient } from '@openid4vc/openid4vp';
import { setGlobalConfig } from '@openid4vc/utils';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest, ES256 } from '@sd-jwt/crypto-nodejs';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { readStdin } from './stdin.mjs';

// sceau serve listens on loopback over http in the test.
setGlobalConfig({ allowInsecureUrls: true });

const { uri, sdjwt, holderJwk } = await readStdin();
const client = new Openid4vpClient({ callbacks: { fetch } });

const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: uri });
if (parsed.type !== 'jar' || !parsed.params.request_uri) throw new Error(`want a request by reference, got ${parsed.type}`);

// The library's own JAR path (0.4.6) finds no signer for an unsigned request
// object of the redirect_uri prefix; say what it answers, then fetch the
// request object and hand its payload to the library.
let jarPath = 'accepted';
try {
  await client.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params });
} catch (e) {
  jarPath = e.message;
}
const res = await fetch(parsed.params.request_uri, { headers: { Accept: 'application/oauth-authz-req+jwt' } });
if (!res.ok) throw new Error(`request_uri answered ${res.status}`);
if (!res.headers.get('content-type').startsWith('application/oauth-authz-req+jwt')) throw new Error(`request object type ${res.headers.get('content-type')}`);
const requestObject = await res.text();
const header = decodeProtectedHeader(requestObject);
if (header.alg !== 'none' || header.typ !== 'oauth-authz-req+jwt') throw new Error(`request object header ${JSON.stringify(header)}`);
const payload = decodeJwt(requestObject);
if (payload.client_id !== parsed.params.client_id) throw new Error('client_id of the request object differs from the URI');

const resolved = await client.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: payload });
const request = resolved.authorizationRequestPayload;
const query = resolved.dcql.query.credentials[0];
const vct = decodeJwt(sdjwt.split('~')[0]).vct;
if (query.format !== 'dc+sd-jwt' || !query.meta.vct_values.includes(vct)) throw new Error(`the query ${JSON.stringify(query)} does not match a credential of vct ${vct}`);

const frame = {};
for (const claim of query.claims ?? []) frame[claim.path[0]] = true;
const sdjwtvc = new SDJwtVcInstance({ hasher: digest, kbSigner: await ES256.getSigner(holderJwk), kbSignAlg: 'ES256' });
const presentation = await sdjwtvc.present(sdjwt, frame, {
  kb: { payload: { aud: request.client_id, nonce: request.nonce, iat: Math.floor(Date.now() / 1000) } },
});

const { authorizationResponsePayload } = await client.createOpenid4vpAuthorizationResponse({
  authorizationRequestPayload: request,
  authorizationResponsePayload: { vp_token: { [query.id]: [presentation] } },
});
const submitted = await client.submitOpenid4vpAuthorizationResponse({ authorizationRequestPayload: request, authorizationResponsePayload });
process.stdout.write(JSON.stringify({
  status: submitted.response.status,
  body: await submitted.response.text(),
  disclosed: Object.keys(frame),
  prefix: resolved.client.prefix,
  jarPath,
  presentation,
}));
