package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "the whole tour on a fresh embedded ledger in a temporary folder; exit 0 only if every step behaved as expected",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "keep", Usage: "keep the temporary folder and print its path"},
		},
		Action: func(c *cli.Context) error {
			return runDemo(c.Context, c.App.Writer, c.Bool("keep"))
		},
	}
}

// Sample students of the demo (fictitious).
const (
	demoDiplomaCSV = "student_id,given_name,family_name,birth_date,diploma,eqf_level,awarded_on,mention,speciality,session\n" +
		"070123456AB,Hélène,Lefèvre,2007-03-14,Baccalauréat général,4,2025-07-04,tres_bien,Mathématiques|Physique-chimie,2025\n" +
		"081234567CD,Jérôme,N'Diaye,2006-11-02,Baccalauréat général,4,2025-07-04,assez_bien,SES|Histoire-géographie,2025\n"
	demoPixCSV = "student_id,given_name,family_name,birth_date,certification_center,certified_on,pix_score," +
		"c1_1,c1_2,c1_3,c2_1,c2_2,c2_3,c2_4,c3_1,c3_2,c3_3,c3_4,c4_1,c4_2,c4_3,c5_1,c5_2,verification_code\n" +
		"070123456AB,Hélène,Lefèvre,2007-03-14,Lycée Victor-Hugo de Besançon,2025-05-20,512,4,3,3,5,4,4,3,5,3,4,2,3,4,3,3,2,P-7XK4M2QR\n" +
		"081234567CD,Jérôme,N'Diaye,2006-11-02,Lycée Victor-Hugo de Besançon,2025-05-21,388,3,3,2,4,3,3,2,4,2,3,-1,2,3,3,2,2,P-HB39DT6W\n"
)

// demoStep is one command of the tour and the exit code it must give.
type demoStep struct {
	title    string
	args     []string
	wantCode int
	// wantText, when set, must appear in the command's output.
	wantText string
}

func runDemo(ctx context.Context, w io.Writer, keep bool) error {
	tmp, err := os.MkdirTemp("", "sceau-demo-*")
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintf(w, "demo folder: %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	home := filepath.Join(tmp, "home")
	walletDir := filepath.Join(tmp, "wallet-helene")
	// The demo's own passphrases: nothing prompts, the process environment is left alone.
	getenv := func(name string) string {
		switch name {
		case "SCEAU_KEY_PASSPHRASE":
			return "demo: the exam office's key passphrase"
		case "SCEAU_WALLET_PASSPHRASE":
			return "demo: Hélène's wallet passphrase"
		case "LC_ALL", "LC_MESSAGES", "LANG":
			return "" // the demo speaks English, and looks for English words
		}
		return os.Getenv(name)
	}
	diplomas := filepath.Join(tmp, "diplomas.csv")
	pix := filepath.Join(tmp, "pix.csv")
	if err := os.WriteFile(pix, []byte(demoPixCSV), 0o600); err != nil {
		return err
	}
	outD, outP := filepath.Join(tmp, "out-diplomas"), filepath.Join(tmp, "out-pix")
	failures := 0
	step := 0
	run := func(s demoStep) string {
		step++
		args := append([]string{"sceau", "--home", home}, s.args...)
		fmt.Fprintf(w, "\n%d. %s\n   $ sceau %s\n", step, s.title, strings.Join(quoteArgs(s.args), " "))
		var out bytes.Buffer
		code := RunEnv(ctx, args, strings.NewReader(""), &out, &out, getenv)
		for _, line := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
			fmt.Fprintf(w, "   | %s\n", line)
		}
		ok := code == s.wantCode && (s.wantText == "" || strings.Contains(out.String(), s.wantText))
		verdict := "as expected"
		if !ok {
			failures++
			verdict = fmt.Sprintf("UNEXPECTED (want exit %d", s.wantCode)
			if s.wantText != "" {
				verdict += fmt.Sprintf(" and %q in the output", s.wantText)
			}
			verdict += ")"
		}
		fmt.Fprintf(w, "   exit %d: %s\n", code, verdict)
		return out.String()
	}

	fmt.Fprintln(w, "Sceau demo: a ministry, an exam office, two students and their employers, on an embedded ledger.")
	run(demoStep{title: "The ministry creates the ledger", args: []string{"ledger", "init"}})
	run(demoStep{title: "An exam office creates its identity and signing key (encrypted with SCEAU_KEY_PASSPHRASE), and registers on the ledger",
		args: []string{"issuer", "init", "--id", "examoffice", "--name", "Office des examens de l'académie de Besançon"}})
	run(demoStep{title: "A student, Hélène, creates her wallet (encrypted with SCEAU_WALLET_PASSPHRASE)",
		args: []string{"--wallet", walletDir, "wallet", "init"}})
	holderKey := strings.TrimSpace(run(demoStep{title: "She gives the exam office her wallet's public key, so her diploma is bound to it",
		args: []string{"--wallet", walletDir, "wallet", "holder-key"}}))
	if err := writeDemoDiplomas(diplomas, holderKey); err != nil {
		return err
	}
	run(demoStep{title: "An exam office that is not accredited cannot issue: nothing is anchored or written",
		args: []string{"issue", "--issuer", "examoffice", "--type", "Diploma", "--input", diplomas, "--out", outD}, wantCode: ExitInvalid, wantText: "not accredited"})
	run(demoStep{title: "The ministry accredits it for diplomas and Pix certifications",
		args: []string{"issuer", "accredit", "--id", "examoffice", "--types", "Diploma,PixCertification"}})
	run(demoStep{title: "It issues the diplomas of a CSV export: one batch file per anchored batch, and a manifest",
		args: []string{"issue", "--issuer", "examoffice", "--type", "Diploma", "--input", diplomas, "--out", outD}})
	students := filepath.Join(tmp, "students")
	run(demoStep{title: "It takes Hélène's and Jérôme's diplomas out of the batch file, each as its bundle and QR image",
		args: []string{"export", "--student", "070123456AB", "--student", "081234567CD", "--png", "--out", students, outD}, wantText: "2 credential(s) exported"})
	run(demoStep{title: "…and issues the Pix certifications with a bundle and a QR image each",
		args: []string{"issue", "--issuer", "examoffice", "--type", "PixCertification", "--input", pix, "--out", outP, "--png"}})

	helene, err := credentialOf(outD, students, "070123456AB")
	if err != nil {
		return err
	}
	jerome, err := credentialOf(outD, students, "081234567CD")
	if err != nil {
		return err
	}
	pixHelene, err := credentialOf(outP, outP, "070123456AB")
	if err != nil {
		return err
	}
	run(demoStep{title: "An employer scans a diploma's QR code (PNG)", args: []string{"verify", jerome + ".png"}, wantText: "VALID"})
	run(demoStep{title: "A university checks a Pix certification's QR code (PNG)", args: []string{"verify", pixHelene + ".png"}, wantText: "VALID"})

	tampered, err := tamperQR(pixHelene+".json", tmp)
	if err != nil {
		return err
	}
	run(demoStep{title: "Someone changes one character of the QR text: rejected", args: []string{"verify", tampered}, wantCode: ExitInvalid, wantText: "INVALID"})

	run(demoStep{title: "Hélène keeps her diploma in her wallet: it is verified on import, and stored encrypted",
		args: []string{"--wallet", walletDir, "wallet", "import", helene + ".json"}})
	list := run(demoStep{title: "Her wallet", args: []string{"--wallet", walletDir, "wallet", "list"}})
	credID := "" // the first credential's id, under the list's header
	for _, line := range strings.Split(list, "\n") {
		if fields := strings.Fields(line); len(fields) > 0 && strings.HasPrefix(fields[0], "urn:") {
			credID = fields[0]
			break
		}
	}
	presentation := filepath.Join(tmp, "presentation.sd-jwt")
	run(demoStep{title: "An employer asks for her mention only, with a one-time challenge: she shows the mention, not her birth date nor her student id",
		args: []string{"--wallet", walletDir, "wallet", "present", "--disclose", "mention", "--nonce", "7f3a9c2e", "--audience", "https://recrutement.example",
			"--out", presentation, credID}})
	out := run(demoStep{title: "The employer verifies the presentation against its challenge",
		args: []string{"verify", "--nonce", "7f3a9c2e", "--audience", "https://recrutement.example", presentation}, wantText: "mention: tres_bien"})
	if strings.Contains(out, "2007-03-14") || strings.Contains(out, "070123456AB") {
		failures++
		fmt.Fprintln(w, "   UNEXPECTED: the presentation shows a claim Hélène did not disclose")
	}
	run(demoStep{title: "Replayed to another employer (another challenge): rejected",
		args: []string{"verify", "--nonce", "0b1d4e66", "--audience", "https://autre-employeur.example", presentation}, wantCode: ExitInvalid, wantText: "INVALID"})

	run(demoStep{title: "The exam office revokes Jérôme's diploma (fraud)", args: []string{"revoke", "--issuer", "examoffice", "--reason", "fraud", jerome + ".json"}})
	run(demoStep{title: "The revoked diploma is rejected, from its bundle…",
		args: []string{"verify", jerome + ".json"}, wantCode: ExitInvalid, wantText: "revoked"})
	run(demoStep{title: "…and from its QR code", args: []string{"verify", jerome + ".png"}, wantCode: ExitInvalid, wantText: "revoked"})
	run(demoStep{title: "An auditor checks the ledger's hash chain and state", args: []string{"ledger", "verify"}})

	fmt.Fprintln(w)
	if failures > 0 {
		return &exitError{code: ExitInvalid, err: fmt.Errorf("demo: %d of %d steps did not behave as expected", failures, step)}
	}
	fmt.Fprintf(w, "demo: all %d steps behaved as expected\n", step)
	return nil
}

// credentialOf returns the path in files, without extension, of the
// bundle and QR image of studentID's credential that the manifest.csv of
// dir lists.
func credentialOf(dir, files, studentID string) (string, error) {
	f, err := os.Open(filepath.Join(dir, "manifest.csv"))
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return "", fmt.Errorf("demo: manifest: %w", err)
	}
	for _, row := range rows[1:] {
		if len(row) > 1 && row[1] == studentID {
			return filepath.Join(files, strings.TrimSuffix(issuer.BundleFileName(row[0]), ".json")), nil
		}
	}
	return "", fmt.Errorf("demo: no credential of %s in %s", studentID, dir)
}

// writeDemoDiplomas writes the diplomas' CSV, Hélène's row bound to her
// wallet's holder key (the holder_jwk column).
func writeDemoDiplomas(path, holderJWK string) error {
	rows, err := csv.NewReader(strings.NewReader(demoDiplomaCSV)).ReadAll()
	if err != nil {
		return err
	}
	rows[0] = append(rows[0], "holder_jwk")
	for i := 1; i < len(rows); i++ {
		key := ""
		if rows[i][0] == "070123456AB" {
			key = holderJWK
		}
		rows[i] = append(rows[i], key)
	}
	var b strings.Builder
	cw := csv.NewWriter(&b)
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// tamperQR writes the bundle's SC1: text with one character changed.
func tamperQR(bundlePath, dir string) (string, error) {
	data, err := os.ReadFile(bundlePath)
	if err != nil {
		return "", err
	}
	var b credential.Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return "", err
	}
	if len(b.QR) < 40 {
		return "", errors.New("demo: QR text too short")
	}
	qr := []byte(b.QR)
	i := len(qr) / 2
	if qr[i] == 'A' {
		qr[i] = 'B'
	} else {
		qr[i] = 'A'
	}
	path := filepath.Join(dir, "tampered-qr.txt")
	return path, os.WriteFile(path, qr, 0o600)
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " '\"") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return out
}
