// Package interop proves that what Sceau makes is read by code Sceau did not
// write, and that Sceau reads what such code makes.
//
// The independent implementations are npm libraries, pinned to exact versions
// in package.json and package-lock.json beside this file: panva's jose for
// JOSE, the OpenWallet Foundation's @sd-jwt/* for SD-JWT VC and Token Status
// Lists, @openid4vc/* for OpenID4VCI and OpenID4VP, jsonld and ajv for JSON-LD
// expansion and JSON Schema validation. Each test builds the sceau command,
// drives it as a user would, hands its output to a small script under js/
// (one job per script, reading JSON on stdin and answering JSON on stdout), and
// checks the answer.
//
// The tests need node (20 or later) and npm. Where they are missing the tests
// skip and say so; .ci/run installs the packages with `npm ci` when node is
// there. Nothing in this package is imported by Sceau: it holds tests only.
//
// Imports: nothing of Sceau's but what its tests drive through the command
// line (the sceau binary built from this module).
package interop
