package certificate

import (
	"bytes"
	"errors"
	"image"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqrcode "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
)

// renderCase is a certificate and what its page must read.
type renderCase struct {
	name   string
	record func() schemas.Record
	opts   Options
	want   []string
}

var renderCases = []renderCase{
	{
		name:   "diploma in French",
		record: func() schemas.Record { return sampleDiploma() },
		opts:   Options{IssuerName: "Académie de Lyon — Division des examens"},
		want: []string{
			"CERTIFICAT NUMÉRIQUE VÉRIFIABLE", "Académie de Lyon — Division des examens",
			"Baccalauréat général", "décerné à", "Léa-Éloïse MARTIN-GAËTAN",
			"Date de naissance : 14 mars 2007", "Date d'obtention 4 juillet 2025",
			"Mention Très bien", "Spécialités Mathématiques, Physique-chimie",
			"Niveau CEC (EQF) 4", "Session juin 2025",
			"urn:uuid:5a17c388-5a17-4388-9a17-c3885a17c388", "urn:sceau:issuer:academie-lyon",
			"Délivré le 4 juillet 2025", "Scannez pour vérifier",
		},
	},
	{
		name:   "Pix certification in French",
		record: func() schemas.Record { return samplePix() },
		opts:   Options{IssuerName: "Pix"},
		want: []string{
			"Certification Pix", "délivrée à", "Françoise LEFÈVRE-CŒUR",
			"Date de naissance : 1er octobre 2006", "Date de certification 12 mars 2025",
			"Centre de certification Lycée Édouard-Herriot, Lyon", "Score Pix 612 pix",
			"Code de vérification Pix P-B2C3D4F6",
			"1.1 Mener une recherche et une veille d'information niveau 5",
			"4.2 Protéger les données personnelles et la vie privée niveau 4",
			"4.3 Protéger la santé, le bien-être et l'environnement niveau 3",
			"5.1 Résoudre des problèmes techniques non validé",
			"5.2 Construire un environnement numérique niveau 4",
			"Expire le 12 mars 2028", "Scannez pour vérifier",
		},
	},
	{
		name:   "diploma in English",
		record: func() schemas.Record { return sampleDiploma() },
		opts:   Options{IssuerName: "Académie de Lyon", Language: English},
		want: []string{
			"VERIFIABLE DIGITAL CERTIFICATE", "awarded to", "Léa-Éloïse MARTIN-GAËTAN",
			"Date of birth: 14 March 2007", "Awarded on 4 July 2025", "Honours Very good",
			"EQF level 4", "Issued on 4 July 2025", "Scan to verify",
		},
	},
	{
		name:   "Pix certification in English, issuer named by its id",
		record: func() schemas.Record { return samplePix() },
		opts:   Options{Language: English},
		want: []string{
			"Pix Certification", "Date of birth: 1 October 2006", "Pix score 612 pix",
			"1.2 Gérer des données level 4", "5.1 Résoudre des problèmes techniques not passed",
			"Issuer academie-lyon", "Expires on 12 March 2028", "Scan to verify",
		},
	},
	{
		name:   "Pix certification in French, with the verifier's address",
		record: func() schemas.Record { return samplePix() },
		opts:   Options{IssuerName: "Pix", PublicURL: verifierURL},
		want:   []string{"Expire le 12 mars 2028", "Vérifier sur " + verifierURL, "Scannez pour vérifier"},
	},
	{
		name:   "diploma in English, with the verifier's address",
		record: func() schemas.Record { return sampleDiploma() },
		opts:   Options{IssuerName: "Académie de Lyon", Language: English, PublicURL: verifierURL},
		want:   []string{"Issued on 4 July 2025", "Verify at " + verifierURL, "Scan to verify"},
	},
}

// verifierURL is a verifier's public address, longer than most.
const verifierURL = "https://verification.examens.education.gouv.fr"

func TestRenderPrintsOneA4PageWithEmbeddedFontsAndTheQRCode(t *testing.T) {
	for _, tc := range renderCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, qr := issue(t, tc.record())
			pdf, err := Render(c, qr, tc.opts)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			t.Logf("%d bytes", len(pdf))

			doc := openPDF(t, pdf)
			if doc.PageCount != 1 {
				t.Errorf("the PDF has %d pages, want 1", doc.PageCount)
			}
			dims, err := doc.PageDims()
			if err != nil {
				t.Fatal(err)
			}
			if w, h := dims[0].Width, dims[0].Height; math.Abs(w-210*pointsPerMM) > 1 || math.Abs(h-297*pointsPerMM) > 1 {
				t.Errorf("page is %.1f × %.1f pt, want A4 portrait (595.3 × 841.9)", w, h)
			}
			embedded := embeddedFonts(t, doc)
			for _, f := range fontFiles {
				if !embedded[f.name] {
					t.Errorf("font %s is not embedded; fonts: %v", f.name, embedded)
				}
			}

			got, err := qrcode.DecodePDF(t.Context(), pdf, qrcode.PDFLimits{})
			if err != nil {
				t.Fatalf("qrcode.DecodePDF: %v", err)
			}
			want := qr
			if tc.opts.PublicURL != "" {
				if want, err = credential.Link(tc.opts.PublicURL, qr); err != nil {
					t.Fatal(err)
				}
			}
			if got != want {
				t.Errorf("qrcode.DecodePDF = %q, want %q", got, want)
			}

			text := pageText(t, pdf)
			for _, want := range tc.want {
				if !strings.Contains(text, want) {
					t.Errorf("the page does not read %q; it reads:\n%s", want, text)
				}
			}
		})
	}
}

func TestRenderIsReproducible(t *testing.T) {
	c, qr := issue(t, samplePix())
	first, err := Render(c, qr, Options{IssuerName: "Pix"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Render(c, qr, Options{IssuerName: "Pix"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("rendering the same certificate twice gives different PDFs")
	}
	if !bytes.Contains(first, []byte("/CreationDate(D:20250704093000+00'00')")) {
		t.Error("the PDF's creation date is not the credential's issuance time")
	}
}

// longDiploma is a diploma whose every text is as long as its schema allows.
func longDiploma() *schemas.Diploma {
	d := sampleDiploma()
	d.GivenName = "Marie-Éléonore-" + strings.Repeat("Ç", 30) + " Anne-Béatrice Joséphine " + strings.Repeat("é", 31)
	d.FamilyName = "de La Rochefoucauld-Montmorency " + strings.Repeat("Ÿ", 68)
	d.Diploma = "Brevet de technicien supérieur " + strings.Repeat("Maintenance des systèmes ", 6) + strings.Repeat("Œ", 19)
	d.Specialities = []string{
		"Sciences de l'ingénieur et mathématiques appliquées aux systèmes embarqués, à la robotique industrielle et à la domotique",
		"Histoire-géographie, géopolitique et sciences politiques : enjeux contemporains des espaces francophones",
		"Humanités, littérature et philosophie",
		"Langues, littératures et cultures étrangères et régionales : anglais monde contemporain",
		"Numérique et sciences informatiques",
		"Sciences économiques et sociales, avec une option de droit et grands enjeux du monde contemporain, fin",
	}
	d.Session = strings.Repeat("session ", 24) + "fin"
	return d
}

func TestRenderKeepsLongTextsOnThePageAndClearOfTheQRCode(t *testing.T) {
	cases := []struct {
		name   string
		record schemas.Record
		issuer string
		want   []string // pieces of the page's text, each on one line
	}{
		{
			"longest diploma", longDiploma(),
			strings.Repeat("Rectorat de la région académique Auvergne-Rhône-Alpes ", 4),
			[]string{"Marie-Éléonore-", "MONTMORENCY", "Brevet de technicien supérieur", "monde contemporain, fin", "session fin", "Scannez pour vérifier"},
		},
		{
			"Pix certification with the longest names",
			func() schemas.Record {
				p := samplePix()
				p.GivenName, p.FamilyName = longDiploma().GivenName, longDiploma().FamilyName
				p.CertificationCenter = strings.Repeat("Centre ", 28) + "Lyon"
				return p
			}(),
			"Pix",
			[]string{"Marie-Éléonore-", "MONTMORENCY", "Centre Lyon", "5.2 Construire un environnement numérique niveau 4", "Scannez pour vérifier"},
		},
		{
			"name without spaces",
			func() schemas.Record {
				d := sampleDiploma()
				d.FamilyName = strings.Repeat("Ñ", 100)
				return d
			}(),
			"Académie",
			[]string{"Léa-Éloïse", "ÑÑÑÑÑÑÑÑÑÑ", "Scannez pour vérifier"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, qr := issue(t, tc.record)
			pdf, err := Render(c, qr, Options{IssuerName: tc.issuer})
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got, err := qrcode.DecodePDF(t.Context(), pdf, qrcode.PDFLimits{}); err != nil || got != qr {
				t.Fatalf("qrcode.DecodePDF = %q, %v; want the SC1 text", got, err)
			}
			placements := imagePlacements(t, openPDF(t, pdf))
			if len(placements) != 1 {
				t.Fatalf("the page draws %d images, want the QR code only", len(placements))
			}
			qrRect := placements[0]
			left, right := (margin-0.5)*pointsPerMM, (pageWidth-margin+0.5)*pointsPerMM
			bottom := (pageHeight - margin/2) * pointsPerMM
			for _, w := range pageWords(t, pdf) {
				if w.XMin < left || w.XMax > right || w.YMin < 0 || w.YMax > bottom {
					t.Errorf("word %q at x %.1f–%.1f, y %.1f–%.1f pt is outside the page's margins", w.Text, w.XMin, w.XMax, w.YMin, w.YMax)
				}
				if w.XMax > qrRect.x && w.XMin < qrRect.x+qrRect.w && w.YMax > qrRect.y && w.YMin < qrRect.y+qrRect.h {
					t.Errorf("word %q at x %.1f–%.1f, y %.1f–%.1f pt overlaps the QR code at %v", w.Text, w.XMin, w.XMax, w.YMin, w.YMax, qrRect)
				}
			}
			text := pageText(t, pdf)
			for _, want := range tc.want {
				if !strings.Contains(text, want) {
					t.Errorf("the page does not read %q; it reads:\n%s", want, text)
				}
			}
		})
	}
}

func TestRenderedQRCodeIsAtLeast25mmWithItsQuietZone(t *testing.T) {
	c, qr := issue(t, sampleDiploma())
	pdf, err := Render(c, qr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	placements := imagePlacements(t, openPDF(t, pdf))
	if len(placements) != 1 {
		t.Fatalf("the page draws %d images, want the QR code only", len(placements))
	}
	code, err := qrcode.Encode(qr)
	if err != nil {
		t.Fatal(err)
	}
	modules := len(code.Modules)
	withQuietZone := modules + 2*qrcode.QuietZoneModules
	r := placements[0]
	if math.Abs(r.w-r.h) > 0.01 {
		t.Errorf("the QR code is drawn %.2f × %.2f pt: not square", r.w, r.h)
	}
	symbolMM := r.w / pointsPerMM * float64(modules) / float64(withQuietZone)
	if symbolMM < 25 {
		t.Errorf("the QR symbol is printed %.1f mm wide, want at least 25 mm", symbolMM)
	}
	t.Logf("%d modules, symbol %.1f mm wide, %.2f mm per module", modules, symbolMM, symbolMM/float64(modules))
}

// TestRenderedPageScansAt150DPI prints the page as a 150 dpi gray scan would
// see it and reads the QR code back from the whole page.
func TestRenderedPageScansAt150DPI(t *testing.T) {
	for _, tc := range renderCases[:2] {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, qr := issue(t, tc.record())
			pdf, err := Render(c, qr, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			const dpi = 150
			page := rasterize(t, pdf, dpi)
			bitmap, err := gozxing.NewBinaryBitmapFromImage(page)
			if err != nil {
				t.Fatal(err)
			}
			hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
			result, err := zxqrcode.NewQRCodeReader().Decode(bitmap, hints)
			if err != nil {
				t.Fatalf("no QR code read from the page scanned at %d dpi: %v", dpi, err)
			}
			if result.GetText() != qr {
				t.Fatalf("the scanned QR code reads %q, want the SC1 text %q", result.GetText(), qr)
			}
			checkQuietZone(t, page, result, qr, dpi)
		})
	}
}

// checkQuietZone checks, on a scanned page, that the QR symbol read in
// result is at least 25 mm wide and surrounded by 4 modules of white.
func checkQuietZone(t *testing.T, page image.Image, result *gozxing.Result, qr string, dpi float64) {
	t.Helper()
	code, err := qrcode.Encode(qr)
	if err != nil {
		t.Fatal(err)
	}
	n := float64(len(code.Modules))
	points := result.GetResultPoints()
	if len(points) < 3 {
		t.Fatalf("the decoder gave %d finder points, want 3", len(points))
	}
	// Finder pattern centres: bottom left, top left, top right; each is 3.5
	// modules from the symbol's edges.
	topLeft, topRight := points[1], points[2]
	module := math.Hypot(topRight.GetX()-topLeft.GetX(), topRight.GetY()-topLeft.GetY()) / (n - 7)
	if mm := n * module / dpi * 25.4; mm < 25 {
		t.Errorf("the scanned QR symbol is %.1f mm wide, want at least 25 mm", mm)
	}
	x0, y0 := topLeft.GetX()-3.5*module, topLeft.GetY()-3.5*module
	side := n * module
	inner := image.Rect(int(x0-1.5), int(y0-1.5), int(x0+side+1.5), int(y0+side+1.5))
	outer := image.Rect(int(x0-4*module+1.5), int(y0-4*module+1.5), int(x0+side+4*module-1.5), int(y0+side+4*module-1.5))
	dark := 0
	for y := outer.Min.Y; y < outer.Max.Y; y++ {
		for x := outer.Min.X; x < outer.Max.X; x++ {
			if image.Pt(x, y).In(inner) {
				continue
			}
			if lum, _, _, _ := page.At(x, y).RGBA(); lum < 0x8000 {
				dark++
			}
		}
	}
	if dark > 0 {
		t.Errorf("%d dark pixels in the 4-module quiet zone around the QR symbol", dark)
	}
}

func TestRenderRefuses(t *testing.T) {
	c, qr := issue(t, sampleDiploma())
	other, otherQR := issue(t, samplePix())
	other.ID = "urn:uuid:00000000-0000-4000-8000-000000000001"
	chinese := sampleDiploma()
	chinese.FamilyName = "王"
	chineseCred, chineseQR := issue(t, chinese)
	// Subjects changed after issuance, past validation.
	badDate := sampleDiploma()
	badDateCred, badDateQR := issue(t, badDate)
	badDate.BirthDate = "14/03/2007"
	badMention := sampleDiploma()
	badMentionCred, badMentionQR := issue(t, badMention)
	badMention.Mention = "excellent"

	cases := []struct {
		name string
		c    *credential.Credential
		qr   string
		opts Options
		want string
	}{
		{"unknown language", c, qr, Options{Language: "de"}, `language "de"`},
		{"no credential", nil, qr, Options{}, "credential is nil"},
		{"QR text of another credential", other, otherQR, Options{}, "QR text carries credential urn:uuid:5a17c388"},
		{"QR text that is not SC1", c, "https://example.org/", Options{}, "QR text"},
		{"empty QR text", c, "", Options{}, "QR text"},
		{"name the font cannot print", chineseCred, chineseQR, Options{}, "U+738B"},
		{"birth date not ISO", badDateCred, badDateQR, Options{}, `birth_date "14/03/2007"`},
		{"unknown mention", badMentionCred, badMentionQR, Options{}, `mention "excellent"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pdf, err := Render(tc.c, tc.qr, tc.opts)
			if err == nil {
				t.Fatalf("Render gave a %d-byte PDF, want an error", len(pdf))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Render error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestRenderCombinesAccentsIntoPrintableLetters(t *testing.T) {
	d := sampleDiploma()
	d.GivenName = "Le\u0301a" // e and a combining acute accent
	c, qr := issue(t, d)
	pdf, err := Render(c, qr, Options{})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if text := pageText(t, pdf); !strings.Contains(text, "Léa MARTIN-GAËTAN") {
		t.Errorf("the page does not read the name with a composed é: %s", text)
	}
}

// TestATruncatedCertificateReadsRightOrNotAtAll cuts a certificate short:
// whatever the PDF reader recovers from it, the verifier's reading either
// gives the printed text or fails with one of its errors.
func TestATruncatedCertificateReadsRightOrNotAtAll(t *testing.T) {
	c, qr := issue(t, samplePix())
	certificate, err := Render(c, qr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{len(certificate) / 4, len(certificate) / 2, len(certificate) - 200} {
		text, err := qrcode.DecodePDF(t.Context(), certificate[:n], qrcode.PDFLimits{})
		switch {
		case err == nil && text != qr:
			t.Errorf("first %d bytes: qrcode.DecodePDF = %q, want %q or an error", n, text, qr)
		case err != nil && !errors.Is(err, qrcode.ErrMalformedPDF) && !errors.Is(err, qrcode.ErrNoQRCodeInPDF):
			t.Errorf("first %d bytes: qrcode.DecodePDF error %q wraps neither ErrMalformedPDF nor ErrNoQRCodeInPDF", n, err)
		}
	}
}

// TestRenderAndReadBackConcurrently is run with -race: a verifier reads
// uploads in parallel, an issuer prints certificates in parallel.
func TestRenderAndReadBackConcurrently(t *testing.T) {
	c, qr := issue(t, samplePix())
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Go(func() {
			pdf, err := Render(c, qr, Options{})
			if err != nil {
				errs <- err
				return
			}
			text, err := qrcode.DecodePDF(t.Context(), pdf, qrcode.PDFLimits{})
			if err != nil {
				errs <- err
				return
			}
			if text != qr {
				errs <- errors.New("qrcode.DecodePDF read another text than the certificate's QR code")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestRenderSignedQRPrintsWhatRenderPrints checks the shortcut for callers
// that hold the parsed SC1 text: the same bytes as Render, with and
// without a public URL (the QR code then holds the link), and an error,
// not a page, for a text that was not read.
func TestRenderSignedQRPrintsWhatRenderPrints(t *testing.T) {
	c, qrText := issue(t, samplePix())
	q, err := credential.ParseQR(qrText)
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []Options{{IssuerName: "Pix"}, {IssuerName: "Pix", PublicURL: "https://verifier.example.fr"}} {
		r, err := NewRenderer(opts)
		if err != nil {
			t.Fatal(err)
		}
		want, err := r.Render(c, qrText)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.RenderSignedQR(q)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("public URL %q: RenderSignedQR printed %d bytes that are not Render's %d", opts.PublicURL, len(got), len(want))
		}
		for _, bad := range []*credential.SignedQR{nil, {Credential: c}} {
			if pdf, err := r.RenderSignedQR(bad); err == nil {
				t.Errorf("RenderSignedQR(%v) printed %d bytes, want an error", bad, len(pdf))
			}
		}
	}
}
