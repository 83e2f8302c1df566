// Expands credentials with the jsonld processor (safe mode: a term that
// would be dropped is an error), with a document loader that reaches no
// network but the deployment's public URL: the W3C VC 2.0 context comes
// from @digitalbazaar/credentials-context (a static, hash-pinned copy, as
// VC 2.0 asks verifiers to keep), anything under `base` is fetched from
// there, anything else is refused.
// stdin: {"credentials": [{...}], "base": "http://..."}  stdout: {"expanded": [[...]], "loaded": ["..."]}
import jsonld from 'jsonld';
import { contexts } from '@digitalbazaar/credentials-context';
import { readStdin } from './stdin.mjs';

const { credentials, base } = await readStdin();
const loaded = [];
const documentLoader = async (url) => {
  if (contexts.has(url)) {
    return { contextUrl: null, documentUrl: url, document: contexts.get(url) };
  }
  if (url === base || url.startsWith(base + '/')) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    loaded.push(url);
    return { contextUrl: null, documentUrl: url, document: await res.json() };
  }
  throw new Error(`refusing to load ${url}: only the VC 2.0 context and ${base} are reachable`);
};
const expanded = [];
for (const c of credentials) {
  expanded.push(await jsonld.expand(c, { documentLoader, safe: true }));
}
process.stdout.write(JSON.stringify({ expanded, loaded }));
