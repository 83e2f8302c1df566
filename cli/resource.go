package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/license"
	"github.com/sceau/sceau/internal/secret"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/provenance"
)

func (e *env) resourceService(l network.Ledger) *provenance.Service {
	return provenance.NewService(e.home, l, e.logger)
}

// keyPassphrase is where encrypted author and reviewer keys get their passphrase.
func (e *env) keyPassphrase() secret.Source {
	return secret.Source{EnvVar: provenance.AuthorPassphraseEnv, Getenv: e.getenv, Out: e.stderr}
}

func resourceCommand() *cli.Command {
	return &cli.Command{
		Name:  "resource",
		Usage: "open educational resources: provenance (authors, licence, lineage, reviews) on the ledger",
		Description: "A resource is a file or a folder, identified by the SHA-256 of its content (of a canonical manifest\n" +
			"for a folder). A platform (an issuer accredited for OpenResource) registers it; authors and reviewers\n" +
			"appear on the ledger only as the thumbprints of their keys. Names stay off the ledger.",
		Subcommands: []*cli.Command{
			resourceRegisterCommand(),
			resourceVerifyCommand(),
			resourceHistoryCommand(),
			resourceEndorseCommand(),
			resourceEraseCommand(),
			resourceKeygenCommand(),
		},
	}
}

func resourceRegisterCommand() *cli.Command {
	return &cli.Command{
		Name:      "register",
		Usage:     "register a file or folder with its authors, licence and sources; prints its digest first",
		ArgsUsage: "PATH",
		Description: "--author-key is repeated once per author: a private JWK file (sceau resource keygen makes one;\n" +
			"encrypted ones are opened with SCEAU_AUTHOR_PASSPHRASE, else asked on the terminal, key by key). --attribution is a JSON file\n" +
			`{"names": [...], "school": "...", "email": "...", "statement": "..."}, signed by the first author, or an` + "\n" +
			"attribution already signed; the platform keeps it off the ledger, which holds only its digest.\n" +
			"A new version (--previous) keeps the sources of the version it replaces.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "issuer", Usage: "the registering platform: an issuer accredited for OpenResource", Required: true},
			&cli.StringFlag{Name: "title", Usage: "the resource's title (it goes on the ledger: no names)", Required: true},
			&cli.StringFlag{Name: "license", Usage: "SPDX licence id: " + strings.Join(license.IDs(), ", "), Required: true},
			&cli.StringSliceFlag{Name: "author-key", Usage: "an author's private key file (repeat for each author)", Required: true},
			&cli.StringSliceFlag{Name: "derived-from", Usage: "digest of a registered resource this one derives from (repeatable)"},
			&cli.StringFlag{Name: "previous", Usage: "digest of the version this one replaces"},
			&cli.StringFlag{Name: "attribution", Usage: "attribution file (JSON or signed), kept off the ledger"},
		},
		Action: withLedgerToWrite(func(c *cli.Context, e *env, l network.Ledger) error {
			if err := needArgs(c, 1, "the PATH of a file or folder"); err != nil {
				return err
			}
			path := c.Args().First()
			if _, err := os.Stat(path); err != nil {
				return usageErr("cannot read %s: %v", path, err)
			}
			if a := c.String("attribution"); a != "" {
				if _, err := os.Stat(a); err != nil {
					return usageErr("--attribution: cannot read %s: %v", a, err)
				}
			}
			var authors []*provenance.Key
			for _, p := range c.StringSlice("author-key") {
				k, err := provenance.LoadKey(p, e.keyPassphrase())
				if err != nil {
					return usageErr("--author-key: %v", err)
				}
				authors = append(authors, k)
			}
			res, err := e.resourceService(l).Register(c.Context, provenance.RegisterOptions{
				PlatformID:      c.String("issuer"),
				Path:            path,
				Title:           c.String("title"),
				License:         c.String("license"),
				Authors:         authors,
				DerivedFrom:     c.StringSlice("derived-from"),
				Previous:        c.String("previous"),
				AttributionFile: c.String("attribution"),
			})
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, res.Digest)
			fmt.Fprintf(e.stdout, "registered %q (%s) by platform %s (%s) at %s, transaction %s\n", res.Title, res.License, res.PlatformID, res.PlatformMSP, res.RegisteredAt, res.TxID)
			fmt.Fprintf(e.stdout, "authors: %s\n", strings.Join(res.Authors, ", "))
			if len(res.DerivedFrom) > 0 {
				fmt.Fprintf(e.stdout, "derived from: %s\n", strings.Join(res.DerivedFrom, ", "))
			}
			if res.Previous != "" {
				fmt.Fprintf(e.stdout, "replaces: %s\n", res.Previous)
			}
			if res.AttributionDigest != "" {
				fmt.Fprintf(e.stdout, "attribution kept by the platform, off the ledger (digest %s)\n", res.AttributionDigest)
			}
			return nil
		}),
	}
}

func resourceVerifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "tell whether this exact file or folder is registered: who, licence, lineage, endorsements",
		ArgsUsage: "PATH",
		Description: "Exit codes: 0 registered; 1 not registered (naming the files that differ from the closest\n" +
			"registered version when this platform keeps its manifest); 2 usage errors and files that cannot be\n" +
			"read; 3 indeterminate (the ledger could not be read).",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print the verification as JSON"}},
		Action: action(func(c *cli.Context, e *env) error {
			if err := needArgs(c, 1, "the PATH of a file or folder"); err != nil {
				return err
			}
			path := c.Args().First()
			if _, err := os.Stat(path); err != nil {
				return usageErr("cannot read %s: %v", path, err)
			}
			content, err := provenance.Hash(c.Context, path)
			if err != nil {
				var pathErr *fs.PathError
				if errors.As(err, &pathErr) {
					return &exitError{code: ExitUsage, err: err}
				}
				return &exitError{code: ExitInvalid, err: err}
			}
			l, err := e.openLedgerOrServer(c.Context, c)
			if err != nil {
				var ee *exitError
				if errors.As(err, &ee) {
					return err
				}
				return &exitError{code: ExitIndeterminate, err: fmt.Errorf("ledger unavailable: %w", err)}
			}
			defer l.Close()
			v, err := e.resourceService(l).VerifyContent(c.Context, content)
			if errors.Is(err, network.ErrUnavailable) {
				return &exitError{code: ExitIndeterminate, err: err}
			}
			if err != nil {
				return err
			}
			if c.Bool("json") {
				if err := writeJSON(e.stdout, v); err != nil {
					return err
				}
			} else {
				printVerification(e.stdout, v)
			}
			if !v.Registered {
				return &exitError{code: ExitInvalid, err: errors.New("")}
			}
			return nil
		}),
	}
}

func resourceHistoryCommand() *cli.Command {
	return &cli.Command{
		Name:      "history",
		Usage:     "show a resource's record and every ancestor's digest (and its descendants)",
		ArgsUsage: "DIGEST",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print the record and lineage as JSON"}},
		Action: withLedger(func(c *cli.Context, e *env, l network.Ledger) error {
			if err := needArgs(c, 1, "a resource DIGEST (64 hex)"); err != nil {
				return err
			}
			digest := c.Args().First()
			if !record.IsDigest(digest) {
				return usageErr("%q is not a resource digest: want 64 lowercase hex characters", digest)
			}
			svc := e.resourceService(l)
			res, lineage, err := svc.History(c.Context, digest)
			if err != nil {
				return err
			}
			attribution := svc.HeldAttribution(res)
			if c.Bool("json") {
				return writeJSON(e.stdout, struct {
					Resource    *record.Resource        `json:"resource"`
					Lineage     *record.Lineage         `json:"lineage"`
					Attribution *provenance.Attribution `json:"attribution,omitempty"`
				}{res, lineage, attribution})
			}
			printRecord(e.stdout, res, lineage, attribution)
			return nil
		}),
	}
}

func resourceEndorseCommand() *cli.Command {
	return &cli.Command{
		Name:      "endorse",
		Usage:     "endorse a registered resource as a reviewer, through a platform",
		ArgsUsage: "DIGEST",
		Description: "The reviewer's key signs the endorsement; the ledger keeps the key's thumbprint, the role and the\n" +
			"statement's digest. --issuer may be left out when exactly one platform of this home is accredited.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "role", Usage: "the reviewer's role: " + strings.Join(record.ResourceRoles(), ", "), Required: true},
			&cli.StringFlag{Name: "key", Usage: "the reviewer's private key file", Required: true},
			&cli.StringFlag{Name: "issuer", Usage: "the submitting platform (default: the one accredited platform of this home)"},
		},
		Action: withLedgerToWrite(func(c *cli.Context, e *env, l network.Ledger) error {
			if err := needArgs(c, 1, "a resource DIGEST (64 hex)"); err != nil {
				return err
			}
			digest := c.Args().First()
			if !record.IsDigest(digest) {
				return usageErr("%q is not a resource digest: want 64 lowercase hex characters", digest)
			}
			role := strings.NewReplacer(" ", "-", "_", "-").Replace(strings.ToLower(c.String("role")))
			reviewer, err := provenance.LoadKey(c.String("key"), e.keyPassphrase())
			if err != nil {
				return usageErr("--key: %v", err)
			}
			svc := e.resourceService(l)
			platform := c.String("issuer")
			if platform == "" {
				if platform, err = svc.DefaultPlatform(c.Context); err != nil {
					return err
				}
			}
			en, err := svc.Endorse(c.Context, provenance.EndorseOptions{PlatformID: platform, Digest: digest, Role: role, Reviewer: reviewer})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "resource %s endorsed by reviewer %s as %s, through platform %s at %s, transaction %s\n",
				en.Digest, en.ReviewerID, en.Role, en.PlatformID, en.EndorsedAt, en.TxID)
			return nil
		}),
	}
}

func resourceEraseCommand() *cli.Command {
	return &cli.Command{
		Name:      "erase-attribution",
		Usage:     "delete an author's attribution (names, school, e-mail) from this platform for good",
		ArgsUsage: "DIGEST",
		Description: "The ledger only ever held the attribution's digest: once erased here, nothing personal about the\n" +
			"author is readable anywhere. The resource stays registered, with its authors' key thumbprints.",
		Action: action(func(c *cli.Context, e *env) error {
			if err := needArgs(c, 1, "a resource DIGEST (64 hex)"); err != nil {
				return err
			}
			digest := c.Args().First()
			if !record.IsDigest(digest) {
				return usageErr("%q is not a resource digest: want 64 lowercase hex characters", digest)
			}
			if err := provenance.NewStore(e.home).EraseAttribution(digest, time.Now()); err != nil {
				return err
			}
			e.logger.Info("attribution erased", "resource", digest)
			fmt.Fprintf(e.stdout, "attribution of resource %s erased; the ledger holds only its digest\n", digest)
			return nil
		}),
	}
}

func resourceKeygenCommand() *cli.Command {
	return &cli.Command{
		Name:  "keygen",
		Usage: "make an author's or reviewer's signing key (their id is its thumbprint)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "the private key file to write (never overwritten)", Required: true},
			&cli.StringFlag{Name: "alg", Usage: "ES256 or EdDSA", Value: string(credential.ES256)},
			&cli.BoolFlag{Name: "no-passphrase", Usage: "keep the private key unencrypted in a 0600 file"},
		},
		Action: action(func(c *cli.Context, e *env) error {
			if c.NArg() != 0 {
				return usageErr("resource keygen takes no positional argument")
			}
			alg := credential.Algorithm(c.String("alg"))
			if alg != credential.ES256 && alg != credential.EdDSA {
				return usageErr("--alg %q: use %s or %s", alg, credential.ES256, credential.EdDSA)
			}
			passphrase := ""
			if !c.Bool("no-passphrase") {
				p, err := e.keyPassphrase().Get("the new key "+c.String("out"), true)
				if err != nil {
					return usageErr("%v (or use --no-passphrase for an unencrypted key file)", err)
				}
				passphrase = p
			}
			key, err := provenance.GenerateKeyFile(c.String("out"), alg, passphrase, 0)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "key %s written to %s\n", key.ID(), c.String("out"))
			if passphrase == "" {
				fmt.Fprintln(e.stdout, "warning: the private key is NOT encrypted")
			}
			return nil
		}),
	}
}

// printVerification writes a verification for people.
func printVerification(w io.Writer, v *provenance.Verification) {
	if v.Registered {
		fmt.Fprintf(w, "REGISTERED %s\n", v.Digest)
		printRecord(w, v.Resource, v.Lineage, v.Attribution)
		return
	}
	fmt.Fprintf(w, "NOT REGISTERED %s\n", v.Digest)
	if v.Closest == nil {
		fmt.Fprintln(w, "  no registered version of it is known to this platform")
		return
	}
	r := v.Closest.Resource
	fmt.Fprintf(w, "  closest registered version: %s %q (%s), registered by %s at %s\n", r.Digest, r.Title, r.License, r.PlatformID, r.RegisteredAt)
	for _, group := range []struct {
		label string
		paths []string
	}{{"modified", v.Closest.Changes.Modified}, {"added", v.Closest.Changes.Added}, {"removed", v.Closest.Changes.Removed}} {
		for _, p := range group.paths {
			fmt.Fprintf(w, "  %-9s %s\n", group.label, p)
		}
	}
}

// printRecord writes a resource's record and lineage for people.
func printRecord(w io.Writer, r *record.Resource, l *record.Lineage, a *provenance.Attribution) {
	fmt.Fprintf(w, "  digest        %s\n", r.Digest)
	fmt.Fprintf(w, "  title         %s\n", r.Title)
	fmt.Fprintf(w, "  licence       %s\n", r.License)
	fmt.Fprintf(w, "  authors       %s\n", strings.Join(r.Authors, ", "))
	if a != nil {
		credit := strings.Join(a.Names, ", ")
		if a.School != "" {
			credit += " (" + a.School + ")"
		}
		fmt.Fprintf(w, "  credited      %s\n", credit)
	} else if r.AttributionDigest != "" {
		fmt.Fprintln(w, "  credited      (attribution not held by this platform, or erased)")
	}
	fmt.Fprintf(w, "  platform      %s (%s), registered %s, transaction %s\n", r.PlatformID, r.PlatformMSP, r.RegisteredAt, r.TxID)
	if r.Previous != "" {
		fmt.Fprintf(w, "  replaces      %s\n", r.Previous)
	}
	if r.NextVersion != "" {
		fmt.Fprintf(w, "  replaced by   %s (a newer version exists)\n", r.NextVersion)
	}
	for _, d := range r.DerivedFrom {
		fmt.Fprintf(w, "  derived from  %s\n", d)
	}
	if len(r.Endorsements) == 0 {
		fmt.Fprintln(w, "  endorsements  none")
	}
	for _, en := range r.Endorsements {
		fmt.Fprintf(w, "  endorsed      as %s by %s, %s, through %s\n", en.Role, en.ReviewerID, en.EndorsedAt, en.PlatformID)
	}
	if l == nil {
		return
	}
	fmt.Fprintf(w, "ancestors (%d):\n", len(l.Ancestors))
	printLinks(w, l.Ancestors, map[string]string{record.RelationDerivedFrom: "source", record.RelationPreviousVersion: "previous version"})
	fmt.Fprintf(w, "descendants (%d):\n", len(l.Descendants))
	printLinks(w, l.Descendants, map[string]string{record.RelationDerivedFrom: "derivative", record.RelationPreviousVersion: "next version"})
	if l.Truncated {
		fmt.Fprintln(w, "  … (lineage truncated)")
	}
}

// printLinks writes one line per link, starting with its digest; role
// names each relation from the linked resource's side.
func printLinks(w io.Writer, links []record.LineageLink, role map[string]string) {
	for _, k := range links {
		fmt.Fprintf(w, "  %s  generation %d, %s of %s: %q (%s)\n", k.Digest, k.Generation, role[k.Relation], k.Of, k.Title, k.License)
	}
}
