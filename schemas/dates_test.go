package schemas

import (
	"strings"
	"testing"
)

func TestISODate(t *testing.T) {
	for in, want := range map[string]string{
		"14/03/2006":    "2006-03-14",
		"4/7/2024":      "2024-07-04",
		"29/02/2024":    "2024-02-29",
		"2024-07-04":    "2024-07-04",
		"29/02/2023":    "29/02/2023", // no such day: left to the schema
		"31/04/2024":    "31/04/2024",
		"14/03/06":      "14/03/06",
		"14/13/2006":    "14/13/2006",
		"014/03/2006":   "014/03/2006",
		"14-03-2006":    "14-03-2006",
		"/03/2006":      "/03/2006",
		"14/03/2006 ":   "14/03/2006 ",
		"+4/03/2006":    "+4/03/2006",
		"14/03/+006":    "14/03/+006",
		"١٤/٠٣/٢٠٠٦":    "١٤/٠٣/٢٠٠٦",
		"":              "",
		"0/03/2006":     "0/03/2006",
		"14/03/2006/01": "14/03/2006/01",
	} {
		if got := isoDate(in); got != want {
			t.Errorf("isoDate(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzISODate: a cell is either left as is, or turned into a real ISO
// date that reads back as the same day written the French way.
func FuzzISODate(f *testing.F) {
	for _, s := range []string{"14/03/2006", "4/7/2024", "31/02/2024", "2024-07-04", "1/1/0000", "99/99/9999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		got := isoDate(cell)
		if got == cell {
			return
		}
		if !isDate(got) {
			t.Fatalf("isoDate(%q) = %q, not a date", cell, got)
		}
		day, month, _ := strings.Cut(cell, "/")
		month, year, _ := strings.Cut(month, "/")
		if got != year+"-"+pad2(month)+"-"+pad2(day) || frenchDate(got) != pad2(day)+"/"+pad2(month)+"/"+year {
			t.Fatalf("isoDate(%q) = %q", cell, got)
		}
	})
}
