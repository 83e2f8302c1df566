// Package web holds the verifier's web page: its html/template and its
// static assets (stylesheet and script), embedded in the binary. The page
// loads nothing from anywhere else.
//
// Imports: nothing of Sceau: it only embeds the page's files.
package web

import "embed"

// Files holds templates/page.html and static/ (style.css, app.js).
//
//go:embed templates static
var Files embed.FS
