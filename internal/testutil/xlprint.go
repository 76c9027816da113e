package testutil

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// PrintProblems says what in a workbook's sheets does not print as every
// exported workbook should (xlprint): A4, fit to one page wide and any
// number high, the header row printed again on each page (a
// _xlnm.Print_Titles of the sheet), landscape when wide is one of the
// sheets named. Nothing: all is well.
func PrintProblems(f *excelize.File, wide ...string) []string {
	var out []string
	titles := map[string]string{}
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm.Print_Titles" {
			titles[d.Scope] = d.RefersTo
		}
	}
	for _, sheet := range f.GetSheetList() {
		bad := func(format string, args ...any) { out = append(out, sheet+": "+fmt.Sprintf(format, args...)) }
		pl, err := f.GetPageLayout(sheet)
		if err != nil {
			bad("page layout: %v", err)
			continue
		}
		if pl.Size == nil || *pl.Size != 9 {
			bad("paper size %v, want A4 (9)", deref(pl.Size))
		}
		if pl.FitToWidth == nil || *pl.FitToWidth != 1 || pl.FitToHeight == nil || *pl.FitToHeight != 0 {
			bad("fit to %v wide × %v high, want 1 × 0 (as many as needed)", deref(pl.FitToWidth), deref(pl.FitToHeight))
		}
		if props, err := f.GetSheetProps(sheet); err != nil || props.FitToPage == nil || !*props.FitToPage {
			bad("fit to page is not on (%v)", err)
		}
		want := "portrait"
		for _, w := range wide {
			if w == sheet {
				want = "landscape"
			}
		}
		if pl.Orientation == nil || *pl.Orientation != want {
			bad("orientation %v, want %s", deref(pl.Orientation), want)
		}
		if ref := titles[sheet]; !strings.HasSuffix(ref, "!$1:$1") {
			bad("print titles %q, want the sheet's row 1", ref)
		}
	}
	return out
}

func deref[T any](p *T) any {
	if p == nil {
		return "none"
	}
	return *p
}
