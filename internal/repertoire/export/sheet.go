// Package export writes the répertoire (partnerships, authorities) and the DCOL dossiers
// as spreadsheets staff open in Excel: XLSX with a bold frozen header row, typed cells
// and sized columns, or CSV in UTF-8 with a BOM (without it Excel reads UTF-8 as
// Windows-1252) and "," or ";" between fields. Records are read page by page and written
// as they come, so an export of every authority holds one page in memory at a time.
package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Format is an output format.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case CSV, XLSX:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want csv or xlsx)", s)
}

// kind is the type of a column's cells.
type kind int

const (
	text kind = iota
	integer
	amount
	date
)

// column is one column of an export.
type column struct {
	header string
	kind   kind
	width  float64 // in characters, for XLSX
}

// sheet receives the rows of an export. Cells are string, int, *int, float64, *float64,
// *time.Time or nil, as the column's kind says.
type sheet interface {
	row(cells []any) error
	close() error
}

func newSheet(w io.Writer, f Format, sep rune, name string, cols []column) (sheet, error) {
	if f == XLSX {
		return newXLSX(w, name, cols)
	}
	return newCSV(w, sep, cols)
}

type csvSheet struct {
	bw   *bufio.Writer
	w    *csv.Writer
	cols []column
	buf  []string
	// decimal is the decimal separator: "," when fields are separated by ";", as French
	// Excel does, "." otherwise.
	decimal string
}

func newCSV(w io.Writer, sep rune, cols []column) (*csvSheet, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(bw)
	cw.Comma = sep
	cw.UseCRLF = true // Excel's line ends
	s := &csvSheet{bw: bw, w: cw, cols: cols, buf: make([]string, len(cols)), decimal: "."}
	if sep == ';' {
		s.decimal = ","
	}
	for i, c := range cols {
		s.buf[i] = c.header
	}
	return s, cw.Write(s.buf)
}

func (s *csvSheet) row(cells []any) error {
	for i, c := range cells {
		s.buf[i] = s.format(c)
	}
	return s.w.Write(s.buf)
}

func (s *csvSheet) format(c any) string {
	switch v := c.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case *int:
		if v == nil {
			return ""
		}
		return strconv.Itoa(*v)
	case float64:
		return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", s.decimal, 1)
	case *float64:
		if v == nil {
			return ""
		}
		return s.format(*v)
	case *time.Time:
		if v == nil {
			return ""
		}
		return v.UTC().Format(time.DateOnly)
	}
	return fmt.Sprint(c)
}

func (s *csvSheet) close() error {
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		return err
	}
	return s.bw.Flush()
}

type xlsxSheet struct {
	w          io.Writer
	f          *excelize.File
	sw         *excelize.StreamWriter
	cols       []column
	n          int
	dateStyle  int
	moneyStyle int
	buf        []any
}

func newXLSX(w io.Writer, name string, cols []column) (*xlsxSheet, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return nil, err
	}
	dateFmt := "dd/mm/yyyy"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return nil, err
	}
	moneyFmt := "#,##0.00"
	moneyStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &moneyFmt})
	if err != nil {
		return nil, err
	}
	// Widths and panes must come before the first row of a stream.
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: bold, Value: c.header}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	return &xlsxSheet{w: w, f: f, sw: sw, cols: cols, n: 1, dateStyle: dateStyle, moneyStyle: moneyStyle, buf: make([]any, len(cols))}, nil
}

func (s *xlsxSheet) row(cells []any) error {
	for i, c := range cells {
		s.buf[i] = s.cell(c, s.cols[i].kind)
	}
	s.n++
	axis, err := excelize.CoordinatesToCellName(1, s.n)
	if err != nil {
		return err
	}
	return s.sw.SetRow(axis, s.buf)
}

func (s *xlsxSheet) cell(c any, k kind) any {
	switch v := c.(type) {
	case *int:
		if v == nil {
			return nil
		}
		return *v
	case *float64:
		if v == nil {
			return nil
		}
		return s.cell(*v, k)
	case float64:
		if k == amount {
			return excelize.Cell{StyleID: s.moneyStyle, Value: v}
		}
		return v
	case *time.Time:
		if v == nil {
			return nil
		}
		// Dates are calendar days: keep the day whatever the time zone of the database.
		y, m, d := v.UTC().Date()
		return excelize.Cell{StyleID: s.dateStyle, Value: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	case string:
		if v == "" {
			return nil
		}
	}
	return c
}

func (s *xlsxSheet) close() error {
	defer s.f.Close()
	if err := s.sw.Flush(); err != nil {
		return err
	}
	_, err := s.f.WriteTo(s.w)
	return err
}
