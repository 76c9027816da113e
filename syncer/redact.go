package syncer

import (
	"regexp"
	"strings"
)

// Redacted replaces a contact number in text that goes up to the hub.
const Redacted = "[已隐去]"

var (
	digitRun = regexp.MustCompile(`[0-9]+[Xx]?`)
	landline = regexp.MustCompile(`(^|[^0-9])(0[0-9]{2,3}-[0-9]{7,8})([^0-9]|$)`)
	// A mobile number written with a country code or separators:
	// +86 139 1234 5678, 8613912345678, 139-1234-5678.
	mobile = regexp.MustCompile(`(^|[^0-9])((?:(?:\+|00)?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]){8})([^0-9]|$)`)
)

// halfWidth turns full-width digits (０-９) into ASCII ones so that a number
// typed with a Chinese input method is recognised too.
func halfWidth(r rune) rune {
	if r >= '０' && r <= '９' {
		return '0' + (r - '０')
	}
	return r
}

// Redact blanks what looks like a phone or ID number in free text that goes
// up (an opinion's content, an activity's minutes, a self-description): a
// mainland mobile number (11 digits starting 13–19), an ID number (18
// characters: 17 digits and a digit or X; or the old 15 digits), a landline
// with its area code (0877-1234567). Phone numbers and ID numbers stay at the
// contact point (domain.md, "Personal data"); staff may type one into
// minutes or an opinion without thinking of it. Budget amounts are rarely
// written as a bare run of exactly 11, 15 or 18 digits.
func Redact(s string) string {
	s = strings.Map(halfWidth, s)
	if s == "" || !strings.ContainsAny(s, "0123456789") {
		return s
	}
	for mobile.MatchString(s) {
		s = mobile.ReplaceAllString(s, "${1}"+Redacted+"${3}")
	}
	s = digitRun.ReplaceAllStringFunc(s, func(run string) string {
		n := len(run)
		x := run[n-1] == 'X' || run[n-1] == 'x'
		switch {
		case n == 18:
			return Redacted
		case x:
			return run // a run ending in X is only an ID number at length 18
		case n == 11 && run[0] == '1' && run[1] >= '3' && run[1] <= '9':
			return Redacted
		case n == 15:
			return Redacted
		}
		return run
	})
	for landline.MatchString(s) {
		s = landline.ReplaceAllString(s, "${1}"+Redacted+"${3}")
	}
	return s
}
