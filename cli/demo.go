package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/credential"
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
	diplomas := filepath.Join(tmp, "diplomas.csv")
	pix := filepath.Join(tmp, "pix.csv")
	if err := os.WriteFile(diplomas, []byte(demoDiplomaCSV), 0o600); err != nil {
		return err
	}
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
		code := Run(ctx, args, strings.NewReader(""), &out, &out)
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

	fmt.Fprintln(w, "Sceau demo: a ministry, an exam office, two students, and a verifier, on an embedded ledger.")
	run(demoStep{title: "The ministry creates the ledger", args: []string{"ledger", "init"}})
	run(demoStep{title: "An exam office creates its identity and signing key, and registers on the ledger",
		args: []string{"issuer", "init", "--no-passphrase", "--id", "examoffice", "--name", "Office des examens de l'académie de Besançon"}})
	run(demoStep{title: "An exam office that is not accredited cannot issue: nothing is anchored or written",
		args: []string{"issue", "--issuer", "examoffice", "--type", "Diploma", "--input", diplomas, "--out", outD}, wantCode: ExitInvalid, wantText: "not accredited"})
	run(demoStep{title: "The ministry accredits it for diplomas and Pix certifications",
		args: []string{"issuer", "accredit", "--id", "examoffice", "--types", "Diploma,PixCertification"}})
	run(demoStep{title: "It issues the diplomas of a CSV export",
		args: []string{"issue", "--issuer", "examoffice", "--type", "Diploma", "--input", diplomas, "--out", outD}})
	run(demoStep{title: "…and the Pix certifications",
		args: []string{"issue", "--issuer", "examoffice", "--type", "PixCertification", "--input", pix, "--out", outP}})

	dipPNG, dipBundle, err := firstCredential(outD)
	if err != nil {
		return err
	}
	pixPNG, pixBundle, err := firstCredential(outP)
	if err != nil {
		return err
	}
	run(demoStep{title: "An employer scans the diploma's QR code (PNG)", args: []string{"verify", dipPNG}, wantText: "VALID"})
	run(demoStep{title: "A university checks the Pix certification's QR code (PNG)", args: []string{"verify", pixPNG}, wantText: "VALID"})

	tampered, err := tamperQR(pixBundle, tmp)
	if err != nil {
		return err
	}
	run(demoStep{title: "Someone changes one character of the QR text: rejected", args: []string{"verify", tampered}, wantCode: ExitInvalid, wantText: "INVALID"})
	run(demoStep{title: "The exam office revokes the diploma (fraud)", args: []string{"revoke", "--issuer", "examoffice", "--reason", "fraud", dipBundle}})
	run(demoStep{title: "The revoked diploma is rejected, from its bundle…",
		args: []string{"verify", dipBundle}, wantCode: ExitInvalid, wantText: "revoked"})
	run(demoStep{title: "…and from its QR code", args: []string{"verify", dipPNG}, wantCode: ExitInvalid, wantText: "revoked"})
	run(demoStep{title: "An auditor checks the ledger's hash chain and state", args: []string{"ledger", "verify"}})

	fmt.Fprintln(w)
	if failures > 0 {
		return &exitError{code: ExitInvalid, err: fmt.Errorf("demo: %d of %d steps did not behave as expected", failures, step)}
	}
	fmt.Fprintf(w, "demo: all %d steps behaved as expected\n", step)
	return nil
}

// firstCredential returns the PNG and bundle of the first credential in dir.
func firstCredential(dir string) (png, bundle string, err error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.png"))
	if err != nil || len(matches) == 0 {
		return "", "", fmt.Errorf("demo: no QR image in %s", dir)
	}
	sort.Strings(matches)
	png = matches[0]
	return png, strings.TrimSuffix(png, ".png") + ".json", nil
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
