package parse

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// xmlDecl matches the XML declaration and captures its encoding value.
var xmlDecl = regexp.MustCompile(`^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["'][^>]*\?>`)

// arabicLang spots a feed that says it is in Arabic, in RSS, Atom or xml:lang.
var arabicLang = regexp.MustCompile(`(?i)(<(dc:)?language>\s*ar|xml:lang\s*=\s*["']ar)`)

// toUTF8 returns body as UTF-8 with its XML declaration, if any, rewritten to
// say so, and the name of the charset it decoded from.
//
// Declarations are hints, not facts: CMSs, web servers and proxies each add
// theirs, and they disagree. The bytes decide first:
//   - valid UTF-8 is UTF-8, whatever is declared, because text in a legacy
//     8-bit charset with any accented or Arabic letter is almost never valid
//     UTF-8 by accident;
//   - mostly valid UTF-8 with a few stray bytes stays UTF-8, the stray bytes
//     replaced, rather than turning every good character into mojibake;
//   - otherwise the first legacy charset declared (XML declaration, then
//     Content-Type) is used; when none is, or only UTF-8 is, windows-1256 is
//     chosen for a feed that is in Arabic by its language tag or its byte
//     profile, windows-1252 (a superset of ISO-8859-1) for anything else.
func toUTF8(body []byte, contentType string) ([]byte, string) {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return rewriteDecl(body[3:]), "utf-8"
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		// UTF-16 is rare in feeds but unmistakable when it has a BOM.
		dec := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder()
		if out, err := dec.Bytes(body); err == nil {
			return rewriteDecl(out), "utf-16"
		}
	}

	if utf8.Valid(body) {
		return rewriteDecl(body), "utf-8"
	}
	if mostlyUTF8(body) {
		return rewriteDecl(bytes.ToValidUTF8(body, []byte("\uFFFD"))), "utf-8"
	}

	var declared []string
	if m := xmlDecl.FindSubmatch(head(body, 512)); m != nil {
		declared = append(declared, string(m[1]))
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		declared = append(declared, params["charset"])
	}
	for _, label := range declared {
		enc, name := charset.Lookup(label)
		if enc == nil || name == "utf-8" || name == "utf-16le" || name == "utf-16be" {
			continue
		}
		if out, err := enc.NewDecoder().Bytes(body); err == nil {
			return rewriteDecl(out), name
		}
	}

	var enc encoding.Encoding = charmap.Windows1252
	name := "windows-1252"
	if looksArabic(body) {
		enc, name = charmap.Windows1256, "windows-1256"
	}
	// Single-byte decoders map every byte, so this cannot fail.
	out, _ := enc.NewDecoder().Bytes(body)
	return rewriteDecl(out), name
}

// mostlyUTF8 reports whether body is UTF-8 text with a few corrupt bytes:
// at least 90% of its non-ASCII sequences are valid multi-byte characters.
func mostlyUTF8(body []byte) bool {
	var good, bad int
	for i := 0; i < len(body); {
		if body[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && size <= 1 {
			bad++
			i++
			continue
		}
		good++
		i += size
	}
	return good > 0 && bad*10 <= good
}

// looksArabic guesses whether undeclared 8-bit text is Arabic: either the
// feed says so, or most letters are high bytes. French in windows-1252 has a
// few percent of accented letters; Arabic in windows-1256 has almost only
// high-byte letters outside the markup.
func looksArabic(body []byte) bool {
	if arabicLang.Match(head(body, 4096)) {
		return true
	}
	var high, ascii int
	for _, b := range body {
		switch {
		case b >= 0xC0:
			high++
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z':
			ascii++
		}
	}
	return high*4 > ascii // more than 20% of letters
}

// rewriteDecl makes the XML declaration, if any, say UTF-8 so that the XML
// decoder does not decode the already converted text a second time.
func rewriteDecl(body []byte) []byte {
	loc := xmlDecl.FindSubmatchIndex(head(body, 512))
	if loc == nil {
		return body
	}
	if strings.EqualFold(string(body[loc[2]:loc[3]]), "utf-8") {
		return body
	}
	out := make([]byte, 0, len(body))
	out = append(out, body[:loc[2]]...)
	out = append(out, "UTF-8"...)
	out = append(out, body[loc[3]:]...)
	return out
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
