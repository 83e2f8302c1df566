package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"image"
	_ "image/png"

	"github.com/sceau/sceau/credential"
)

// sceauRun runs the command line in-process and returns the exit code and
// everything it printed.
func sceauRun(t *testing.T, home string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := Run(context.Background(), append([]string{"sceau", "--home", home}, args...), strings.NewReader(""), &out, &out)
	return code, out.String()
}

// mustRun runs a command that must exit 0.
func mustRun(t *testing.T, home string, args ...string) string {
	t.Helper()
	code, out := sceauRun(t, home, args...)
	if code != 0 {
		t.Fatalf("sceau %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

const spineDiplomas = "student_id,given_name,family_name,birth_date,diploma,eqf_level,awarded_on,mention\n" +
	"070123456AB,Hélène,Lefèvre,2007-03-14,Baccalauréat général,4,2025-07-04,tres_bien\n" +
	"081234567CD,Jérôme,N'Diaye,2006-11-02,Baccalauréat général,4,2025-07-04,\n" +
	"092345678EF,Zoé,Martin,2007-01-30,Baccalauréat technologique,4,2025-07-04,bien\n"

const spinePix = "student_id,given_name,family_name,birth_date,certification_center,certified_on,pix_score," +
	"c1_1,c1_2,c1_3,c2_1,c2_2,c2_3,c2_4,c3_1,c3_2,c3_3,c3_4,c4_1,c4_2,c4_3,c5_1,c5_2\n" +
	"070123456AB,Hélène,Lefèvre,2007-03-14,Lycée Victor-Hugo,2025-05-20,512,4,3,3,5,4,4,3,5,3,4,2,3,4,3,3,2\n" +
	"081234567CD,Jérôme,N'Diaye,2006-11-02,Lycée Victor-Hugo,2025-05-21,388,3,3,2,4,3,3,2,4,2,3,-1,2,3,3,2,2\n" +
	"092345678EF,Zoé,Martin,2007-01-30,Lycée Victor-Hugo,2025-05-22,640,5,4,4,5,5,4,4,6,4,5,3,4,5,4,4,3\n"

// spineHome sets up a ledger and an accredited exam office.
func spineHome(t *testing.T, types string) (home, dir string) {
	t.Helper()
	dir = t.TempDir()
	home = filepath.Join(dir, "home")
	mustRun(t, home, "ledger", "init")
	mustRun(t, home, "issuer", "init", "--no-passphrase", "--id", "examoffice", "--name", "Office des examens")
	if types != "" {
		mustRun(t, home, "issuer", "accredit", "--id", "examoffice", "--types", types)
	}
	return home, dir
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// decodeQRIndependently reads a PNG with gozxing directly, not through Sceau's qrcode package.
func decodeQRIndependently(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// gozxing's general detector misses the finder patterns of about one
	// clean rendering in thirty (go-qrcode's symbols as much as Sceau's);
	// an image that is only the symbol and its quiet zone is what its
	// pure-barcode mode reads, the way a scanner app reads a screen.
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		pure := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true}
		if res, err = gozxingqr.NewQRCodeReader().Decode(bmp, pure); err != nil {
			t.Fatalf("independent decoder cannot read %s: %v", path, err)
		}
	}
	return res.GetText()
}

// flipChar changes the character at i to another of the same alphabet.
func flipChar(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestSpineAcceptance(t *testing.T) {
	home, dir := spineHome(t, "Diploma,PixCertification")
	for _, tc := range []struct{ typ, csv string }{{"Diploma", spineDiplomas}, {"PixCertification", spinePix}} {
		t.Run(tc.typ, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+tc.typ)
			input := writeFile(t, filepath.Join(dir, tc.typ+".csv"), tc.csv)
			mustRun(t, home, "issue", "--issuer", "examoffice", "--type", tc.typ, "--input", input, "--out", out, "--png")
			bundles, _ := filepath.Glob(filepath.Join(out, "*.json"))
			if len(bundles) != 3 {
				t.Fatalf("%d bundles, want 3", len(bundles))
			}
			for _, bundlePath := range bundles {
				data, err := os.ReadFile(bundlePath)
				if err != nil {
					t.Fatal(err)
				}
				var b credential.Bundle
				if err := json.Unmarshal(data, &b); err != nil {
					t.Fatal(err)
				}
				pngPath := strings.TrimSuffix(bundlePath, ".json") + ".png"
				qrText := decodeQRIndependently(t, pngPath)
				if qrText != b.QR {
					t.Fatalf("the PNG holds %q, the bundle %q", qrText, b.QR)
				}
				sc1 := writeFile(t, filepath.Join(dir, "sc1.txt"), qrText)
				jwt := writeFile(t, filepath.Join(dir, "vc.jwt"), b.VCJWT)
				for _, path := range []string{pngPath, bundlePath, sc1, jwt} {
					if code, text := sceauRun(t, home, "verify", path); code != 0 {
						t.Fatalf("verify %s: exit %d\n%s", filepath.Base(path), code, text)
					}
				}
				code, text := sceauRun(t, home, "verify", "--json", jwt)
				var verdict struct {
					Verdict string `json:"verdict"`
					Checks  []struct {
						Name, Reason string
						OK           bool
					} `json:"checks"`
					Claims map[string]any `json:"claims"`
				}
				if code != 0 || json.Unmarshal([]byte(text), &verdict) != nil || verdict.Verdict != "valid" || verdict.Claims["student_id"] == nil {
					t.Fatalf("verify --json: exit %d\n%s", code, text)
				}

				parts := strings.Split(b.VCJWT, ".")
				payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
				tamperedPayload := bytes.Replace(payload, []byte(`"eqf_level":4`), []byte(`"eqf_level":5`), 1)
				if tc.typ == "PixCertification" {
					tamperedPayload = bytes.Replace(payload, []byte(`"pix_score":`), []byte(`"pix_score":1`), 1)
				}
				for name, tampered := range map[string]string{
					"one byte of the JWT payload":   parts[0] + "." + base64.RawURLEncoding.EncodeToString(tamperedPayload) + "." + parts[2],
					"one byte of the JWT signature": parts[0] + "." + parts[1] + "." + flipChar(parts[2], 10),
					"one byte of the SC1 text":      flipChar(qrText, len(qrText)-20),
				} {
					path := writeFile(t, filepath.Join(dir, "tampered"), tampered)
					if code, text := sceauRun(t, home, "verify", path); code != 1 {
						t.Errorf("%s changed: exit %d, want 1\n%s", name, code, text)
					}
				}
			}

			// Without a readable ledger nothing can be confirmed: indeterminate, exit 3.
			if code, text := sceauRun(t, filepath.Join(dir, "no-ledger-here"), "verify", bundles[0]); code != ExitIndeterminate || !strings.Contains(text, "INDETERMINATE") {
				t.Errorf("verify without a ledger: exit %d, want 3\n%s", code, text)
			}

			// Revoking the bundle revokes both forms.
			mustRun(t, home, "revoke", "--issuer", "examoffice", "--reason", "fraud", bundles[0])
			data, _ := os.ReadFile(bundles[0])
			var b credential.Bundle
			json.Unmarshal(data, &b)
			sc1 := writeFile(t, filepath.Join(dir, "revoked-sc1.txt"), b.QR)
			for _, path := range []string{bundles[0], sc1} {
				code, text := sceauRun(t, home, "verify", path)
				if code != 1 || !strings.Contains(text, "revoked") {
					t.Errorf("verify %s after revoke: exit %d, want 1 with reason revoked\n%s", filepath.Base(path), code, text)
				}
			}
		})
	}
}

func TestSpineRefusalsWriteNothing(t *testing.T) {
	badDate := strings.Replace(spineDiplomas, "2006-11-02", "2006-02-30", 1) // line 3
	for _, tc := range []struct {
		name, types, input string
		want               []string
	}{
		{"issuer not accredited for the type", "PixCertification", spineDiplomas, []string{"not accredited", "Diploma"}},
		{"bad date on line 3", "Diploma", badDate, []string{"line 3", "birth_date"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home, dir := spineHome(t, tc.types)
			_, before := sceauRun(t, home, "ledger", "info")
			out := filepath.Join(dir, "out")
			input := writeFile(t, filepath.Join(dir, "in.csv"), tc.input)
			code, text := sceauRun(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", out)
			if code == 0 {
				t.Fatalf("issue succeeded:\n%s", text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("error does not mention %q:\n%s", w, text)
				}
			}
			if _, after := sceauRun(t, home, "ledger", "info"); after != before {
				t.Errorf("the ledger changed:\n%s\n%s", before, after)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("--out was created")
			}
		})
	}
}

func TestVerifyExitCodes(t *testing.T) {
	home, dir := spineHome(t, "")
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"missing file", []string{"verify", filepath.Join(dir, "absent.json")}, ExitUsage},
		{"no argument", []string{"verify"}, ExitUsage},
		{"unknown flag", []string{"verify", "--bogus", "x"}, ExitUsage},
		{"garbage", []string{"verify", writeFile(t, filepath.Join(dir, "garbage"), "hello")}, ExitInvalid},
		{"no ledger", []string{"--home", filepath.Join(dir, "elsewhere"), "verify", writeFile(t, filepath.Join(dir, "x.txt"), "SC1:6BFOXN*TS0BI$ZD4N9")}, ExitInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, text := sceauRun(t, home, tc.args...); code != tc.want {
				t.Errorf("exit %d, want %d\n%s", code, tc.want, text)
			}
		})
	}
}
