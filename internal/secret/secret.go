// Package secret obtains passphrases without ever hanging, and seals small
// secrets (private keys, wallet keys) with age's scrypt passphrase encryption.
//
// Imports: nothing of Sceau.
package secret

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
	"golang.org/x/term"
)

// ErrNoPassphrase is returned when no passphrase is set and no terminal is
// attached to ask for one.
var ErrNoPassphrase = errors.New("no passphrase")

// Source says where a passphrase comes from: an environment variable first,
// then a prompt when standard input is a terminal.
type Source struct {
	// EnvVar names the environment variable holding the passphrase.
	EnvVar string
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// Terminal is the file to prompt on (os.Stdin when nil); nothing
	// prompts unless it is a terminal.
	Terminal *os.File
	// Prompt is written to Out before reading.
	Out io.Writer
}

// Get returns the passphrase for what (a short description such as
// "issuer examoffice's key"). With confirm, a prompted passphrase is asked
// twice. It never blocks without a terminal: it returns an error wrapping
// ErrNoPassphrase that names the environment variable to set.
func (s Source) Get(what string, confirm bool) (string, error) {
	getenv := s.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if s.EnvVar != "" {
		if p := getenv(s.EnvVar); p != "" {
			return p, nil
		}
	}
	tty := s.Terminal
	if tty == nil {
		tty = os.Stdin
	}
	if !term.IsTerminal(int(tty.Fd())) {
		return "", fmt.Errorf("%w for %s: set %s (no terminal to ask on)", ErrNoPassphrase, what, s.EnvVar)
	}
	out := s.Out
	if out == nil {
		out = os.Stderr
	}
	read := func(prompt string) (string, error) {
		fmt.Fprint(out, prompt)
		b, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(out)
		if err != nil {
			return "", fmt.Errorf("reading passphrase: %w", err)
		}
		return string(b), nil
	}
	p, err := read("Passphrase for " + what + ": ")
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(p) == "" {
		return "", fmt.Errorf("%w for %s: empty passphrase", ErrNoPassphrase, what)
	}
	if confirm {
		again, err := read("Repeat it: ")
		if err != nil {
			return "", err
		}
		if again != p {
			return "", errors.New("the two passphrases differ")
		}
	}
	return p, nil
}

// Seal encrypts plaintext to passphrase with age (scrypt recipient).
// workFactor is scrypt's log2(N); 0 keeps age's default (18).
func Seal(plaintext []byte, passphrase string, workFactor int) ([]byte, error) {
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	if workFactor > 0 {
		r.SetWorkFactor(workFactor)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	return buf.Bytes(), nil
}

// ErrWrongPassphrase is returned by Open when the passphrase does not open the data.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// Open decrypts data sealed by Seal. At most maxSize bytes are returned.
func Open(sealed []byte, passphrase string, maxSize int64) ([]byte, error) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, fmt.Errorf("opening sealed data: %w", err)
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) || strings.Contains(err.Error(), "incorrect passphrase") {
			return nil, ErrWrongPassphrase
		}
		return nil, fmt.Errorf("opening sealed data: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("opening sealed data: %w", err)
	}
	if int64(len(out)) > maxSize {
		return nil, fmt.Errorf("opening sealed data: more than %d bytes", maxSize)
	}
	return out, nil
}
