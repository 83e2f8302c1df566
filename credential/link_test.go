package credential

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/sceau/sceau/qrcode"
)

// A public URL longer than most: a ministry's sub-domain.
const longPublicURL = "https://verification.examens.education.gouv.fr"

// TestLinkSizeBudget measures the worst case, a Pix certification with
// its 16 competences, as a link to a verifier with a long address: it
// stays within the QR code's budget of 450 characters at level Q, and a
// longer address than fits leaves the QR code with the SC1 text.
func TestLinkSizeBudget(t *testing.T) {
	for _, alg := range []Algorithm{ES256, EdDSA} {
		key := generateKey(t, alg)
		for _, tc := range []struct {
			name string
			c    *Credential
		}{
			{"PixCertification", newCredential(t, samplePix(), "ac-montpellier")},
			{"Diploma (bac)", newCredential(t, sampleDiploma(), "ac-montpellier")},
		} {
			signed, err := SignQR(tc.c, key)
			if err != nil {
				t.Fatal(err)
			}
			link, err := Link(longPublicURL, signed.Text)
			if err != nil {
				t.Fatalf("%s %s: %v", alg, tc.name, err)
			}
			symbol, err := qrcode.EncodeLevel(link, qrcode.LevelQ)
			if err != nil {
				t.Fatal(err)
			}
			sc1Symbol, err := qrcode.EncodeLevel(signed.Text, qrcode.LevelQ)
			if err != nil {
				t.Fatal(err)
			}
			spare := QRBudget - len(link)
			t.Logf("%s %-17s link %d characters, QR version %d at level Q (SC1: %d characters, version %d); an address %d characters longer than %d still fits",
				alg, tc.name, len(link), symbol.Version, len(signed.Text), sc1Symbol.Version, spare, len(longPublicURL))
			if len(link) > QRBudget {
				t.Errorf("%s %s: the link has %d characters, over the %d budget", alg, tc.name, len(link), QRBudget)
			}
			if got, err := QRText(longPublicURL, signed.Text); err != nil || got != link {
				t.Errorf("QRText with a public URL: %.60q, %v; want the link", got, err)
			}
			tooLong := "https://" + strings.Repeat("x", spare+1) + strings.TrimPrefix(longPublicURL, "https://")
			if _, err := Link(tooLong, signed.Text); !errors.Is(err, ErrLinkTooLong) {
				t.Errorf("a link of %d characters: err %v, want ErrLinkTooLong", QRBudget+1, err)
			}
			if got, err := QRText(tooLong, signed.Text); err != nil || got != signed.Text {
				t.Errorf("QRText with an address too long for a link: %.60q, %v; want the SC1 text", got, err)
			}
			if got, err := QRText("", signed.Text); err != nil || got != signed.Text {
				t.Errorf("QRText without a public URL: %.60q, %v; want the SC1 text", got, err)
			}
		}
	}
}

// TestDecodeReadsLinks: a link, and a link holding the SC1 text itself,
// decode to the same SC1 form, digest and credential as the SC1 text.
func TestDecodeReadsLinks(t *testing.T) {
	key := generateKey(t, ES256)
	signed, err := SignQR(newCredential(t, samplePix(), "ac-montpellier"), key)
	if err != nil {
		t.Fatal(err)
	}
	link, err := Link("https://verifier.example/", signed.Text)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, "https://verifier.example/v#sc1=") {
		t.Errorf("link %.50q, want https://verifier.example/v#sc1=…", link)
	}
	if u, err := url.Parse(link); err != nil || u.Fragment == "" || strings.ContainsAny(link, " %") {
		t.Errorf("link %q is not a well-formed URL with a fragment: %v", link, err)
	}
	want, err := Decode(context.Background(), []byte(signed.Text))
	if err != nil {
		t.Fatal(err)
	}
	// As encodeURIComponent escapes it.
	escaped := "https://verifier.example/v#" + strings.Replace(url.PathEscape(signed.Text), ":", "%3A", 1)
	for name, text := range map[string]string{
		"link":                link,
		"link, pasted":        "  " + link + "\n",
		"upper-case scheme":   "HTTPS://VERIFIER.EXAMPLE/v#sc1=" + strings.SplitN(link, "#sc1=", 2)[1],
		"escaped SC1":         escaped,
		"SC1 in the fragment": "http://localhost:8080/v#" + signed.Text,
	} {
		got, err := Decode(context.Background(), []byte(text))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got.Kind != KindSC1 || got.Text != signed.Text || got.Digests()[0] != want.Digests()[0] {
			t.Errorf("%s: kind %s, digest %s, text %.30q; want the SC1 form's", name, got.Kind, got.Digests()[0], got.Text)
		}
	}
	// A QR image of the link decodes too, as from a certificate.
	png, err := qrcode.EncodePNG(link)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(context.Background(), png)
	if err != nil || got.Carrier != CarrierQRImage || got.Digests()[0] != want.Digests()[0] {
		t.Errorf("the link's QR image: %v %+v", err, got)
	}
}

func TestSC1FromLinkRejects(t *testing.T) {
	for _, tc := range []struct{ name, link, says string }{
		{"no fragment", "https://verifier.example/v", "no credential after '#'"},
		{"empty fragment", "https://verifier.example/v#", "no credential after '#'"},
		{"not base64url", "https://verifier.example/v#sc1=ab+/", "not base64url"},
		{"padding", "https://verifier.example/v#sc1=YQ==", "not base64url"},
		{"empty", "https://verifier.example/v#sc1=", "nothing after"},
		{"another fragment", "https://verifier.example/v#top", "holds no credential"},
		{"bad escape", "https://verifier.example/v#SC1%3A%ZZ", "not well escaped"},
		{"short fragment", "https://verifier.example/v#SC1%3", "holds no credential"},
		{"not http", "ftp://verifier.example/v#sc1=YQ", "http:// or https://"},
		{"too long", "https://verifier.example/v#sc1=" + strings.Repeat("A", MaxLinkSize), "allowed"},
	} {
		_, err := SC1FromLink(tc.link)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: err %v, want it to say %q", tc.name, err, tc.says)
		}
	}
	// A web address that carries no credential is not recognised.
	if d, err := Decode(context.Background(), []byte("https://www.example.org/v#top")); !errors.Is(err, ErrUnrecognized) || d.Kind != "" {
		t.Errorf("a web address without a credential: %v, kind %q; want ErrUnrecognized", err, d.Kind)
	}
	// A link that decodes to no SC1 body fails in Decode, as an SC1 text.
	_, err := Decode(context.Background(), []byte("https://verifier.example/v#sc1=YWJj"))
	if err == nil || !strings.Contains(err.Error(), "SC1 body") {
		t.Errorf("a link to garbage: %v", err)
	}
	for _, bad := range []string{"", "ftp://x", "https://", "https://x/?q=1", "https://x/#f", "/relative"} {
		if _, err := Link(bad, "SC1:6BF"); err == nil {
			t.Errorf("Link(%q): no error", bad)
		}
	}
}

func FuzzSC1FromLink(f *testing.F) {
	key := generateKey(f, ES256)
	signed, err := SignQR(newCredential(f, sampleDiploma(), "ac-versailles"), key)
	if err != nil {
		f.Fatal(err)
	}
	link, err := Link("https://verifier.example", signed.Text)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(link)
	f.Add("https://verifier.example/v#" + url.PathEscape(signed.Text))
	f.Add("http://x/v#sc1=")
	f.Add("https://x#SC1%3A%ZZ")
	f.Fuzz(func(t *testing.T, text string) {
		sc1, err := SC1FromLink(text)
		if err != nil {
			return
		}
		if !strings.HasPrefix(sc1, QRPrefix) {
			t.Fatalf("SC1FromLink(%q) = %q, not an SC1 text", text, sc1)
		}
		if q, err := ParseQR(sc1); err == nil {
			checkDecoded(t, q.Credential)
		}
	})
}
