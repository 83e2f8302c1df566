package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/schemas"
)

func templateCommand() *cli.Command {
	return &cli.Command{
		Name:  "template",
		Usage: "print the CSV header `sceau issue` reads for a credential type (with --example, a valid example row)",
		Description: "French headers are ';'-separated, as French spreadsheets export CSV; English ones ','-separated.\n" +
			"Save the output as a .csv file, fill it in a spreadsheet and export it as CSV.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "type", Usage: "Diploma or PixCertification", Required: true},
			&cli.StringFlag{Name: "lang", Usage: "language of the header: fr or en", Value: schemas.LangFrench},
			&cli.BoolFlag{Name: "example", Usage: "add a valid example row"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 0 {
				return usageErr("template takes no positional argument (flags only)")
			}
			typ := c.String("type")
			if typ != schemas.TypeDiploma && typ != schemas.TypePixCertification {
				return usageErr("--type %q: use Diploma or PixCertification", typ)
			}
			lang := c.String("lang")
			if lang != schemas.LangFrench && lang != schemas.LangEnglish {
				return usageErr("--lang %q: use fr or en", lang)
			}
			return schemas.WriteCSVTemplate(c.App.Writer, typ, lang, c.Bool("example"))
		},
	}
}
