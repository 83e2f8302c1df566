package credential

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	base45 "github.com/adrianrudnik/base45-go"
)

// A certificate's link is the QR code's text when the issuer names the
// verifier's public URL (sceau --public-url): a phone's camera app sees a
// web address and opens the verifier's page, which verifies the credential
// at once. It carries the same bytes as the SC1 text, in a URL fragment:
//
//	link = public-url LinkPath "#" LinkFragmentKey base64url(body)
//
// e.g. https://verifier.example/v#sc1=eJzb…, where body is the SC1 body
// (what the SC1 text base45-encodes: the COSE_Sign1, or its zlib stream)
// and base64url is RFC 4648 §5 without padding. A browser never sends a
// fragment to a server, so the credential stays out of web servers' and
// proxies' logs: the page's script reads it and submits it.
//
// Why base64url, not the SC1 text itself: base45's alphabet has a space
// and "%", which a URL must escape ("%20", "%25"), so a link holding the
// SC1 text would be longer than that text plus the address (a Pix
// certification's, 412 characters, became 471 with a 38-character
// address), over the QR code's budget (QRBudget); base64url is
// shorter in characters (4 per 3 bytes, against base45's 3 per 2). A QR
// code writes base64url in byte mode, 8 bits a character, where SC1 takes
// 5.5 bits: a Pix certification's link makes a version 19 symbol at level
// Q where its SC1 text makes a version 15 one, printed at the same size.
//
// Decode reads a link wherever it reads an SC1 text (pasted, or from the
// QR code of an image or a PDF), and also a link whose fragment holds the
// SC1 text itself, escaped ("#SC1:…" or "#SC1%3A…"), as a person might
// write one. Either way the credential's forms, digests and verdict are
// those of its SC1 text.

// LinkPath is the path of the verifier page that a link opens (GET /v).
const LinkPath = "/v"

// LinkFragmentKey starts a link's fragment.
const LinkFragmentKey = "sc1="

// QRBudget is the most characters a credential's QR code may hold: at
// error correction level Q, a QR code of 450 characters still reads from a
// printed page and a phone's photo. A Pix certification with its 16
// competences, the longest credential, is about 410 characters in SC1.
const QRBudget = 450

// MaxLinkSize bounds a link from outside: as long as the longest SC1 text
// (MaxQRTextSize), and room for an address.
const MaxLinkSize = MaxQRTextSize + 2048

// ErrLinkTooLong is returned by Link when the link would not fit the QR
// code's budget: the QR code then holds the SC1 text.
var ErrLinkTooLong = errors.New("the link is longer than the QR code's budget")

// Link returns the link to the verifier at publicURL (an absolute http or
// https base URL, such as --public-url) that carries the SC1 text sc1.
// It fails with ErrLinkTooLong when the link has more than QRBudget
// characters.
func Link(publicURL, sc1 string) (string, error) {
	base, err := linkBase(publicURL)
	if err != nil {
		return "", err
	}
	body, err := decodeQRText(sc1)
	if err != nil {
		return "", err
	}
	link := base + LinkPath + "#" + LinkFragmentKey + base64.RawURLEncoding.EncodeToString(body)
	if len(link) > QRBudget {
		return "", fmt.Errorf("%w: %d characters, over %d", ErrLinkTooLong, len(link), QRBudget)
	}
	return link, nil
}

// QRText returns what a credential's QR code holds: its link to the
// verifier at publicURL when publicURL is set and the link fits the
// budget (Link), else the SC1 text sc1 itself.
func QRText(publicURL, sc1 string) (string, error) {
	if publicURL == "" {
		return sc1, nil
	}
	link, err := Link(publicURL, sc1)
	if errors.Is(err, ErrLinkTooLong) {
		return sc1, nil
	}
	return link, err
}

// linkBase checks publicURL and returns it without a trailing slash.
func linkBase(publicURL string) (string, error) {
	u, err := url.Parse(publicURL)
	if err != nil {
		return "", fmt.Errorf("public URL %q: %w", publicURL, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("public URL %q: want an absolute http(s) base URL, without query or fragment", publicURL)
	}
	return strings.TrimRight(publicURL, "/"), nil
}

// IsLink reports whether text looks like a link (an http or https URL),
// which SC1FromLink reads.
func IsLink(text string) bool {
	lower := strings.ToLower(text[:min(len(text), len("https://"))])
	return strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://")
}

// CarriesCredential reports whether link's fragment holds a credential,
// as SC1FromLink reads it: it starts with "sc1=", "SC1:" or "SC1%3A".
func CarriesCredential(link string) bool {
	_, fragment, ok := strings.Cut(link, "#")
	if !ok {
		return false
	}
	return strings.HasPrefix(fragment, LinkFragmentKey) || strings.HasPrefix(fragment, QRPrefix) ||
		(len(fragment) >= len(escapedPrefix) && strings.EqualFold(fragment[:len(escapedPrefix)], escapedPrefix))
}

// escapedPrefix is QRPrefix percent-encoded, as encodeURIComponent writes it.
const escapedPrefix = "SC1%3A"

// SC1FromLink returns the SC1 text a link carries (see Link): its fragment
// is "sc1=" and the base64url SC1 body, or an SC1 text, as is ("SC1:…")
// or percent-encoded ("SC1%3A…"). It does not check the body beyond its
// encoding: ParseQR does.
func SC1FromLink(link string) (string, error) {
	if len(link) > MaxLinkSize {
		return "", fmt.Errorf("link: %d characters is more than the %d allowed", len(link), MaxLinkSize)
	}
	if !IsLink(link) {
		return "", errors.New("link: want an http:// or https:// address")
	}
	_, fragment, ok := strings.Cut(link, "#")
	if !ok || fragment == "" {
		return "", errors.New("link: no credential after '#' in the address (a verifier's link ends with #sc1=…)")
	}
	if encoded, ok := strings.CutPrefix(fragment, LinkFragmentKey); ok {
		body, err := base64.RawURLEncoding.Strict().DecodeString(encoded)
		if err != nil {
			return "", fmt.Errorf("link: the credential after #%s is not base64url: %w", LinkFragmentKey, err)
		}
		if len(body) == 0 {
			return "", fmt.Errorf("link: nothing after #%s", LinkFragmentKey)
		}
		return QRPrefix + string(base45.Encode(body)), nil
	}
	if strings.HasPrefix(fragment, QRPrefix) {
		// The SC1 text as is: base45's "%" cannot be told from an escape,
		// so a fragment starting with "SC1:" is taken literally.
		return fragment, nil
	}
	if len(fragment) < len(escapedPrefix) || !strings.EqualFold(fragment[:len(escapedPrefix)], escapedPrefix) {
		return "", fmt.Errorf("link: the fragment holds no credential: want #%s… or #%s…", LinkFragmentKey, QRPrefix)
	}
	text, err := url.PathUnescape(fragment)
	if err != nil {
		return "", fmt.Errorf("link: the address's fragment is not well escaped: %w", err)
	}
	return text, nil
}
