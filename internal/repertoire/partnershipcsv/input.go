package partnershipcsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"coopdesk/internal/repertoire/names"

	"golang.org/x/text/encoding/charmap"
)

// FileError is a problem with the file as a whole: nothing was imported.
type FileError struct{ Msg string }

func (e *FileError) Error() string { return e.Msg }

func fileErrorf(format string, args ...any) error {
	return &FileError{Msg: fmt.Sprintf(format, args...)}
}

// sniffSize is how much of the file decides its encoding and separator: enough for the
// header and a few hundred rows, where an Excel export's accents show up.
const sniffSize = 64 << 10

// Encoding names, as reported.
const (
	UTF8        = "UTF-8"
	Windows1252 = "Windows-1252"
)

// input is an opened partnerships file: its encoding, separator and columns.
type input struct {
	csv      *csv.Reader
	encoding string
	sep      rune
	cols     []*column // by field index
	index    map[string]int
}

// open detects the encoding and separator of r, reads the header row and checks it.
func open(r io.Reader) (*input, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read: %w", err)
	}
	in := &input{encoding: UTF8}
	switch {
	case len(bytes.TrimSpace(head)) == 0:
		return nil, fileErrorf("the file is empty")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return nil, fileErrorf("this is an Excel workbook (.xlsx), not a CSV file: in Excel, save it as \"CSV UTF-8\" or \"CSV (séparateur : point-virgule)\"")
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return nil, fileErrorf("this is an old Excel workbook (.xls), not a CSV file: in Excel, save it as \"CSV UTF-8\"")
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, fileErrorf("the file is in UTF-16 (Excel's \"Unicode text\"): save it as \"CSV UTF-8\" instead")
	case bytes.HasPrefix(head, []byte("%PDF")):
		return nil, fileErrorf("this is a PDF document, not a CSV file")
	case bytes.IndexByte(head, 0) >= 0:
		return nil, fileErrorf("this is a binary file, not a CSV file")
	}
	var text io.Reader = br
	if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
		head = head[3:]
	} else if !validPrefix(head) {
		// Not UTF-8: Excel's "CSV (séparateur : point-virgule)" on Windows writes
		// Windows-1252, which decodes any byte.
		in.encoding = Windows1252
		text = charmap.Windows1252.NewDecoder().Reader(br)
	}
	in.sep = separator(head)
	if in.sep == 0 {
		return nil, fileErrorf("the first line has no \",\" or \";\" separator: this is not a CSV file with a header row (expected columns: %s)", expected())
	}
	in.csv = csv.NewReader(text)
	in.csv.Comma = in.sep
	in.csv.ReuseRecord = true
	header, err := in.csv.Read()
	if err != nil {
		return nil, fileErrorf("cannot read the header row: %v", err)
	}
	if in.encoding == UTF8 && !utf8.ValidString(strings.Join(header, "")) {
		return nil, fileErrorf("the header row is not valid UTF-8")
	}
	if err := in.columns(header); err != nil {
		return nil, err
	}
	in.csv.FieldsPerRecord = len(header)
	return in, nil
}

// validPrefix reports whether b is UTF-8, but for a rune cut at its end.
func validPrefix(b []byte) bool {
	for i := 0; i < 3 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// separator returns the most frequent of ';', ',' and tab outside quotes on the first
// line, or 0.
func separator(head []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, c := range string(head) {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if !quoted && (c == '\n' || c == '\r') {
			break
		}
		if !quoted && (c == ';' || c == ',' || c == '\t') {
			counts[c]++
		}
	}
	best, n := rune(0), 0
	for _, c := range []rune{';', ',', '\t'} {
		if counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return best
}

func (in *input) columns(header []string) error {
	in.cols = make([]*column, len(header))
	in.index = map[string]int{}
	var unknown []string
	for i, h := range header {
		c, ok := byHeader[names.Key(h)]
		if !ok {
			if strings.TrimSpace(h) == "" && allEmptyAfter(header, i) {
				continue // Excel's trailing empty columns
			}
			unknown = append(unknown, fmt.Sprintf("%q", h))
			continue
		}
		if j, dup := in.index[c.key]; dup {
			return fileErrorf("columns %q and %q are the same column (%s)", header[j], h, c.header)
		}
		in.cols[i] = c
		in.index[c.key] = i
	}
	if len(unknown) > 0 {
		return fileErrorf("unknown column(s) %s; expected columns: %s", strings.Join(unknown, ", "), expected())
	}
	var missing []string
	for _, c := range columns {
		if _, ok := in.index[c.key]; c.required && !ok {
			missing = append(missing, c.header)
		}
	}
	if len(missing) > 0 {
		return fileErrorf("missing column(s) %s; expected columns: %s", strings.Join(missing, ", "), expected())
	}
	return nil
}

func allEmptyAfter(header []string, i int) bool {
	for _, h := range header[i:] {
		if strings.TrimSpace(h) != "" {
			return false
		}
	}
	return true
}

// record is one data row.
type record struct {
	line   int
	fields []string
}

// get returns the trimmed value of column key, and whether the file has that column.
func (r record) get(in *input, key string) (string, bool) {
	i, ok := in.index[key]
	if !ok {
		return "", false
	}
	return strings.TrimSpace(r.fields[i]), true
}

// rowError is a row the reader refuses (a wrong number of fields): it is reported and
// the import goes on.
type rowError struct {
	line int
	msg  string
}

func (e *rowError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// next returns the next row, io.EOF at the end, a *rowError for a row to refuse, or a
// *FileError when the file cannot be read further.
func (in *input) next() (record, error) {
	fields, err := in.csv.Read()
	line, _ := in.csv.FieldPos(0)
	if err != nil {
		var pe *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return record{}, io.EOF
		case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
			return record{}, &rowError{line: pe.StartLine, msg: fmt.Sprintf("%d fields where the header has %d", len(fields), in.csv.FieldsPerRecord)}
		case errors.As(err, &pe):
			return record{}, fileErrorf("line %d: malformed CSV (%v): nothing was imported", pe.StartLine, pe.Err)
		default:
			return record{}, fmt.Errorf("read: %w", err)
		}
	}
	if in.encoding == UTF8 {
		for _, f := range fields {
			if !utf8.ValidString(f) {
				return record{}, fileErrorf("line %d is not valid UTF-8 while the start of the file is: the file mixes encodings; save it again as \"CSV UTF-8\" (nothing was imported)", line)
			}
		}
	}
	return record{line: line, fields: fields}, nil
}
