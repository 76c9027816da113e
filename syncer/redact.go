package syncer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Redacted replaces a contact number in text that goes up to the hub.
const Redacted = "[已隐去]"

// Redact blanks what looks like a phone or ID number in free text that goes
// up (an opinion's content, an activity's minutes, a self-description). Phone
// numbers and ID numbers stay at the contact point (domain.md, "Personal
// data"); staff may type one into minutes or an opinion without thinking of
// it, in any of the forms people use:
//
//   - a mainland mobile number, 11 digits starting 13–19, bare or grouped
//     3-4-4, 3-8, 7-4, 3-3-5, 4-3-4 or 4-4-3 (not when the 4 read as a
//     year, 18xx or 19xx), optionally after +86, 0086, 86
//     or (+86): 13908771234, 139.0877.1234, +86 139-0877-1234;
//   - an ID number: 18 characters (17 digits and a digit or X), bare or in
//     groups whose birth date reads as one (530423-19780101-2345,
//     5304 2319 7801 0123 45); or the old 15 digits, bare or 6-6-3;
//   - a landline with its area code (010, 02x or a 4-digit 0xxx followed by
//     7 or 8 digits): 0877-2012345, 0877 2012345, (0877)2012345, [0877]
//     2012345, 08772012345, +86 877 2012345, with an extension (-8001,
//     转8001, 分机8001, ext. 8001, （转8001）) taken along.
//
// Numbers are recognised on a normalised view of the text: full-width forms
// are read as ASCII ones, invisible characters (zero-width spaces and joiners,
// the soft hyphen, the byte-order mark, bidirectional marks, …) are skipped,
// spaces, dots, hyphens, dashes and slashes of any width count as one kind
// of separator (at most three in a row), and (), （）, [] and 【】 as brackets.
// What is replaced is the span of the original text the number covers; the
// rest is kept exactly as typed.
//
// What stays: amounts (1,234,567.89元, 12 345 万元), dates (2026-11-20,
// 20261120), budget classification codes (2080501, 201 01 01), counts,
// postcodes, a bare 7 or 8-digit number (a landline without its area code
// is not recognised), 0877-12345 (the city's hotline). A group of digits is
// never split: 12 digits are not a mobile number.
//
// The scan is linear: it tries each start once, and what it looks at from a
// start is bounded. Redact(Redact(s)) == Redact(s): each decision depends
// only on the digits and separators of the candidate itself, and the
// replacement contains no digit.
func Redact(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if !hasDigit(s) {
		return s
	}
	sc := newScanner(s)
	var b strings.Builder
	last := 0
	for p := 0; p < len(sc.t); {
		q := sc.matchAt(p)
		if q < 0 {
			p++
			continue
		}
		start, end := sc.t[p].start, sc.t[q-1].end
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:start])
		b.WriteString(Redacted)
		last = end
		p = q
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func hasDigit(s string) bool {
	for _, r := range s {
		if r >= '0' && r <= '9' || r >= '０' && r <= '９' {
			return true
		}
	}
	return false
}

// tok is one visible character of the normalised view: full-width ASCII
// forms read as ASCII ones, every separator as ' ' (a space), '-' (a hyphen
// or dash), '.' (a dot) or '/', every bracket as '(' or ')'. start and end
// are its bytes in the original text.
type tok struct {
	r          rune
	start, end int
}

// normalise says how the view reads r: as the rune returned, or not at all
// (ok false) for an invisible character.
func normalise(r rune) (n rune, ok bool) {
	if invisible(r) {
		return 0, false
	}
	if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII forms: ０-９, －, ．, ／, （）, ［］, ＋, Ｘ, ：
		r -= 0xFEE0
	}
	switch r {
	case '\t', 0x00A0, 0x202F, 0x205F, 0x3000: // tab, no-break, narrow no-break, medium mathematical, ideographic space
		return ' ', true
	case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58, 0xFE63, 0x2E3A, 0x2E3B: // hyphens, dashes, minus
		return '-', true
	case 0x00B7, 0x2027, 0x30FB, 0xFF65, 0x3002: // middle dots, 。 (a dot typed in Chinese punctuation mode)
		return '.', true
	case 0x2044, 0x2215: // fraction and division slash
		return '/', true
	case '[', 0x3010: // 【
		return '(', true
	case ']', 0x3011: // 】
		return ')', true
	}
	if r >= 0x2000 && r <= 0x200A { // en quad … hair space
		return ' ', true
	}
	return r, true
}

func isSep(r rune) bool { return r == ' ' || r == '-' || r == '.' || r == '/' }

func isX(r rune) bool { return r == 'X' || r == 'x' }

// invisible is a character that shows nothing: format characters (zero-width
// space, non-joiner and joiner U+200B–U+200D, word joiner U+2060, U+FEFF, the
// soft hyphen U+00AD, bidirectional marks and controls, …), variation
// selectors, the combining grapheme joiner and the Hangul fillers.
func invisible(r rune) bool {
	switch {
	case r < 0xAD:
		return false
	case unicode.Is(unicode.Cf, r),
		r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF, r >= 0x180B && r <= 0x180F,
		r == 0x034F, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0:
		return true
	}
	return false
}

type scanner struct {
	t   []tok
	run []int // for a digit, the index just after the digits that follow it
}

func newScanner(s string) *scanner {
	sc := &scanner{t: make([]tok, 0, len(s))}
	for i, r := range s {
		if n, ok := normalise(r); ok {
			sc.t = append(sc.t, tok{n, i, i + utf8.RuneLen(r)})
		}
	}
	sc.run = make([]int, len(sc.t))
	end := len(sc.t)
	for i := len(sc.t) - 1; i >= 0; i-- {
		if !isDigit(sc.t[i].r) {
			end = i
		}
		sc.run[i] = end
	}
	return sc
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func (sc *scanner) at(i int) rune {
	if i < 0 || i >= len(sc.t) {
		return 0
	}
	return sc.t[i].r
}

func (sc *scanner) digit(i int) bool { return isDigit(sc.at(i)) }

// digits is the digit run at i ("" if none); a run longer than 20 digits,
// too long for any number, as its first 21.
func (sc *scanner) digits(i int) string {
	if !sc.digit(i) {
		return ""
	}
	n := sc.run[i] - i
	if n > 20 {
		n = 21
	}
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(sc.t[i+j].r)
	}
	return string(b)
}

// seps skips one to three separators at i, and says where the digit that
// follows them is (-1 if there is none).
func (sc *scanner) seps(i int) int {
	j := i
	for j < len(sc.t) && j-i < 3 && isSep(sc.at(j)) {
		j++
	}
	if j == i || !sc.digit(j) {
		return -1
	}
	return j
}

// optSeps is seps but also accepts none.
func (sc *scanner) optSeps(i int) int {
	if sc.digit(i) {
		return i
	}
	return sc.seps(i)
}

// group is a run of digits in a number written in groups.
type group struct {
	from, to int // tokens
	d        string
}

const maxGroups = 6

// groups reads up to maxGroups runs of digits from i, each joined to the
// last by one to three separators.
func (sc *scanner) groups(i int) []group {
	var gs []group
	for len(gs) < maxGroups && sc.digit(i) {
		to := sc.run[i]
		gs = append(gs, group{i, to, sc.digits(i)})
		i = sc.seps(to)
		if i < 0 {
			break
		}
	}
	return gs
}

// matchAt says where a number that starts at token p ends (the token just
// after it), or -1.
func (sc *scanner) matchAt(p int) int {
	switch r := sc.at(p); {
	case r == '+' || r == '(':
		if q := sc.prefixed(p); q > 0 {
			return q
		}
		if r == '(' {
			return sc.landline(p, false)
		}
		return -1
	case isDigit(r) && !sc.digit(p-1):
		if q := sc.prefixed(p); q > 0 {
			return q
		}
		gs := sc.groups(p)
		if q := sc.idNumber(gs); q > 0 {
			return q
		}
		if q := sc.mobile(gs); q > 0 {
			return q
		}
		return sc.landline(p, false)
	}
	return -1
}

// prefixed is a number after the country code: +86, ＋86, 0086, 86 followed
// by a separator, (+86), (86); or 8613908771234, +8613908771234 in one run.
func (sc *scanner) prefixed(p int) int {
	i := p
	bracket := sc.at(i) == '('
	if bracket {
		i++
	}
	plus := sc.at(i) == '+'
	if plus {
		i++
	}
	d := sc.digits(i)
	if d == "" {
		return -1
	}
	if !bracket && len(d) == 13 && d[:2] == "86" && mobileDigits(d[2:]) {
		return sc.run[i]
	}
	if d != "86" && (d != "0086" || plus) {
		return -1
	}
	i = sc.run[i]
	if bracket {
		if sc.at(i) != ')' {
			return -1
		}
		i = sc.optSeps(i + 1)
	} else if plus || d == "0086" {
		i = sc.optSeps(i)
	} else {
		i = sc.seps(i) // 86 13908771234, not 8613908771234 (a run of its own)
	}
	if i < 0 {
		return -1
	}
	if q := sc.mobile(sc.groups(i)); q > 0 {
		return q
	}
	return sc.landline(i, true)
}

func mobileDigits(d string) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

// mobileShapes are the ways a mobile number is grouped.
var mobileShapes = [][]int{{11}, {3, 4, 4}, {3, 8}, {7, 4}, {3, 3, 5}, {4, 3, 4}, {4, 4, 3}}

func (sc *scanner) mobile(gs []group) int {
	for _, shape := range mobileShapes {
		if len(gs) < len(shape) {
			continue
		}
		d := ""
		for k, n := range shape {
			if len(gs[k].d) != n {
				d = ""
				break
			}
			d += gs[k].d
		}
		if !mobileDigits(d) {
			continue
		}
		if shape[0] == 4 && (d[:2] == "19" || d[:2] == "18") {
			continue // 1998 2026 123: a year first, not a mobile number
		}
		return gs[len(shape)-1].to
	}
	return -1
}

// idNumber is an ID number written as the first groups of gs.
func (sc *scanner) idNumber(gs []group) int {
	d := ""
	for k, g := range gs {
		if k > 0 && len(gs[k-1].d) < 2 {
			return -1
		}
		d += g.d
		x := isX(sc.at(g.to))
		switch {
		case len(d) == 18 && (k == 0 || validID(d)):
			return g.to
		case len(d) == 17 && x && (k == 0 || validID(d+"X")):
			return g.to + 1
		case len(d) == 15 && k == 0:
			return g.to
		case len(d) == 15 && k == 2 && len(gs[0].d) == 6 && len(gs[1].d) == 6 && validID(d):
			return g.to
		case len(d) > 18:
			return -1
		}
	}
	return -1
}

// validID says whether the digits of an ID number written in groups read as
// one: a region code not starting with 0 and a birth date (18 characters:
// 19xx or 20xx; 15: yy) with a month and a day.
func validID(d string) bool {
	if d[0] == '0' {
		return false
	}
	md := d[8:12]
	if len(d) == 18 {
		if y := d[6:8]; y != "19" && y != "20" {
			return false
		}
		md = d[10:14]
	}
	m := int(md[0]-'0')*10 + int(md[1]-'0')
	day := int(md[2]-'0')*10 + int(md[3]-'0')
	return m >= 1 && m <= 12 && day >= 1 && day <= 31
}

// landline is a number with its area code starting at p: 0877-2012345,
// 0877 201 2345, (0877)2012345, 08772012345; after a country code (prefixed)
// the area code may lack its 0 (+86 877 2012345). An extension is taken
// along.
func (sc *scanner) landline(p int, prefixed bool) int {
	i := p
	bracket := sc.at(i) == '('
	if bracket {
		i++
	}
	area := sc.digits(i)
	if area == "" {
		return -1
	}
	if !bracket && !prefixed && (len(area) == 11 || len(area) == 12) {
		// One run: 08772012345, 01088886666.
		for _, n := range []int{3, 4} {
			l, rest := localLen(area[:n], false), len(area)-n
			if (rest == l || l == 7 && rest == 8) && area[n] != '0' {
				return sc.extension(sc.run[i])
			}
		}
		return -1
	}
	local := localLen(area, prefixed)
	if local == 0 {
		return -1
	}
	i = sc.run[i]
	if bracket {
		if sc.at(i) != ')' {
			return -1
		}
		i = sc.optSeps(i + 1)
	} else {
		i = sc.seps(i)
	}
	if i < 0 {
		return -1
	}
	gs := sc.groups(i)
	if len(gs) == 0 || gs[0].d[0] == '0' {
		return -1
	}
	ok := func(n int) bool { return n == local || local == 7 && n == 8 }
	if ok(len(gs[0].d)) {
		return sc.extension(gs[0].to)
	}
	if len(gs) >= 2 {
		a, b := len(gs[0].d), len(gs[1].d)
		if (a == 3 && b == 4 || a == 4 && b == 3 || a == 4 && b == 4) && ok(a+b) {
			return sc.extension(gs[1].to)
		}
	}
	return -1
}

// localLen is the length of the local number after an area code (7 meaning
// 7 or 8), or 0 if area is not one: 010 and 02x are followed by 8 digits,
// 0xxx (x from 3) by 7 or 8; after a country code the 0 may be missing.
func localLen(area string, prefixed bool) int {
	if prefixed && area != "" && area[0] != '0' {
		area = "0" + area
	}
	switch {
	case len(area) == 3 && (area == "010" || area[:2] == "02"):
		return 8
	case len(area) == 4 && area[0] == '0' && area[1] >= '3':
		return 7
	}
	return 0
}

// extension takes along an extension after a landline ending at q:
// -8001, 转8001, 转 8001, 分机8001, 分机号：8001, ext. 8001, x8001, （转8001）.
func (sc *scanner) extension(q int) int {
	if sc.at(q) == '-' && sc.digit(q+1) && sc.run[q+1]-(q+1) <= 6 {
		return sc.run[q+1]
	}
	i := q
	for k := 0; k < 2 && sc.at(i) == ' '; k++ {
		i++
	}
	bracket := sc.at(i) == '('
	if bracket {
		i++
	}
	switch {
	case sc.at(i) == '转':
		i++
	case sc.at(i) == '分' && sc.at(i+1) == '机':
		i += 2
		if sc.at(i) == '号' {
			i++
		}
	case unicode.ToLower(sc.at(i)) == 'e' && isX(sc.at(i+1)) && unicode.ToLower(sc.at(i+2)) == 't':
		i += 3
		if sc.at(i) == '.' {
			i++
		}
	case isX(sc.at(i)):
		i++
	default:
		return q
	}
	for k := 0; k < 2 && (sc.at(i) == ' ' || sc.at(i) == ':'); k++ {
		i++
	}
	if !sc.digit(i) {
		return q
	}
	if n := sc.run[i] - i; n < 2 || n > 6 {
		return q
	}
	i = sc.run[i]
	if bracket {
		if sc.at(i) != ')' {
			return q
		}
		i++
	}
	return i
}
