// Package provenanceapi serves a platform's resources API over HTTP: read
// a teacher's resource, its endorsements and its attribution (GET
// /v1/resources/{digest}), its lineage (GET /v1/resources/{digest}/lineage),
// and register one as the platform of the bearer token (POST
// /v1/resources). The bodies are documented in package provenance, whose
// Service does the work: this package reads requests, authenticates the
// token (Authenticator, which *org.Tokens is) and says the outcome in JSON
// with its status code.
//
// It imports provenance (the domain), network and internal/license (to
// tell a ledger refusal or a licence rule from other failures) and chi;
// never issuer, verifier or cli. The server that mounts Routes logs and
// counts its requests (package server).
package provenanceapi
