// Package xlprint sets up a sheet of an Excel workbook for printing, the
// same for every workbook the point and the hub export: A4, one page wide
// and as many high as it takes, across the page (landscape) when its
// columns are wider than the page is, its header rows printed again at the
// top of every page, and the widths of its columns.
package xlprint

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Cols gives columns First to Last (counted from 1) a width, in Excel's
// units (about one Latin character; a Chinese character takes two).
type Cols struct {
	First, Last int
	Width       float64
}

// defaultWidth is the width of a column given none (Excel's, Calibri 11).
const defaultWidth = 9.14

// portraitWidth is the widest a sheet's columns may be and still print
// upright on A4 (about 180 mm between the margins) without being shrunk
// below nine tenths; a wider sheet prints across the page.
const portraitWidth = 100.0

// a4 is A4 in the numbering of the Office Open XML paper sizes.
const a4 = 9

// Width is the sum of the widths of a sheet's first n columns.
func Width(n int, widths ...Cols) float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = defaultWidth
	}
	for _, c := range widths {
		for i := c.First; i <= c.Last && i <= n; i++ {
			w[i-1] = c.Width
		}
	}
	total := 0.0
	for _, x := range w {
		total += x
	}
	return total
}

// Stream sets up an existing sheet for print and starts streaming it, the
// column widths set (a stream writer takes them before any row). ncols is
// how many columns the sheet has; titleRows how many of its first rows are
// printed again at the top of each page (0: none).
func Stream(f *excelize.File, sheet string, ncols, titleRows int, widths ...Cols) (*excelize.StreamWriter, error) {
	if err := Setup(f, sheet, Width(ncols, widths...), titleRows); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, fmt.Errorf("sheet %s: %w", sheet, err)
	}
	for _, c := range widths {
		if err := sw.SetColWidth(c.First, c.Last, c.Width); err != nil {
			return nil, fmt.Errorf("sheet %s: columns %d-%d: %w", sheet, c.First, c.Last, err)
		}
	}
	return sw, nil
}

// Setup sets a sheet's page (before it is streamed: a stream writer keeps
// what the sheet had): A4, fit to one page wide and any number high,
// landscape when width (the sum of its columns' widths) is more than
// upright A4 holds, margins of 1.5 cm, and its first titleRows rows as
// its print titles (_xlnm.Print_Titles).
func Setup(f *excelize.File, sheet string, width float64, titleRows int) error {
	size, wide, high := a4, 1, 0
	orient := "portrait"
	if width > portraitWidth {
		orient = "landscape"
	}
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &wide, FitToHeight: &high}); err != nil {
		return fmt.Errorf("sheet %s: page layout: %w", sheet, err)
	}
	yes := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &yes}); err != nil {
		return fmt.Errorf("sheet %s: fit to page: %w", sheet, err)
	}
	side, edge, head := 0.6, 0.6, 0.3 // inches: 1.5 cm, and the header's 0.8 cm
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &side, Right: &side, Top: &edge, Bottom: &edge, Header: &head, Footer: &head}); err != nil {
		return fmt.Errorf("sheet %s: margins: %w", sheet, err)
	}
	if titleRows > 0 {
		ref := fmt.Sprintf("'%s'!$1:$%d", strings.ReplaceAll(sheet, "'", "''"), titleRows)
		if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: ref, Scope: sheet}); err != nil {
			return fmt.Errorf("sheet %s: print titles: %w", sheet, err)
		}
	}
	return nil
}
