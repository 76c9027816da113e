package models

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The password rule (contract: "Accounts, sessions and the audit log").
const (
	// PasswordMinChars is the fewest characters of a password.
	PasswordMinChars = 10
	// PasswordMaxBytes is the most bcrypt takes.
	PasswordMaxBytes = 72
	// PasswordMinClasses is how many of lower case, upper case, digits and
	// symbols a password mixes at least.
	PasswordMinClasses = 3
)

// Why a password is refused, each in both languages.
const (
	MsgPasswordTooShort = "密码至少 10 个字符 / the password needs at least 10 characters"
	MsgPasswordClasses  = "密码应包含小写字母、大写字母、数字、符号中的至少三类 / the password needs at least three of: lower case letters, upper case letters, digits, symbols"
	MsgPasswordHasName  = "密码不能包含用户名 / the password must not contain the user name"
	MsgPasswordCommon   = "这是常见密码，很容易被猜中，请换一个 / this is a common password, easily guessed: choose another"
)

// commonPasswordsText is one common password a line, in lower case, made by
// internal/commonpw from what is publicly known of the passwords people choose.
//
//go:generate go run ./internal/commonpw
//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, strings.Count(commonPasswordsText, "\n"))
	for _, l := range strings.Split(commonPasswordsText, "\n") {
		if l != "" {
			m[l] = struct{}{}
		}
	}
	return m
})

// CommonPasswords is how many passwords the rule refuses as common.
func CommonPasswords() int { return len(commonPasswords()) }

// IsCommonPassword reports whether pw is among the common passwords, whatever its case.
func IsCommonPassword(pw string) bool {
	_, ok := commonPasswords()[strings.ToLower(pw)]
	return ok
}

// PasswordProblem is why pw cannot be the password of the login name, or ""
// when it can: at least 10 characters (and at most 72 bytes, all bcrypt
// reads), at least three of lower case, upper case, digits and symbols (any
// other character), not containing the name and not a common password, case
// ignored in both. The first problem found is given.
func PasswordProblem(name, pw string) string {
	if utf8.RuneCountInString(pw) < PasswordMinChars {
		return MsgPasswordTooShort
	}
	if len(pw) > PasswordMaxBytes {
		return MsgPasswordTooLong
	}
	for _, r := range pw {
		// Control and invisible characters (NUL, zero-width space): they
		// cannot be typed back, and would pad a short password to length.
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return MsgPasswordInvisible
		}
	}
	var lower, upper, digit, symbol int
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			symbol = 1
		}
	}
	if lower+upper+digit+symbol < PasswordMinClasses {
		return MsgPasswordClasses
	}
	if n := strings.ToLower(strings.TrimSpace(name)); n != "" && strings.Contains(strings.ToLower(pw), n) {
		return MsgPasswordHasName
	}
	if IsCommonPassword(pw) {
		return MsgPasswordCommon
	}
	return ""
}

// LoginNameProblem is the rule of login names, or "" when name keeps it:
// 2 to 32 characters, each a Latin letter, a digit, a Chinese character or
// one of . _ - @. No space, control or invisible character, and no letter of
// another script that looks like a Latin one (Cyrillic а for a): the audit
// log shows names, and two must not look alike. Names are also unique
// without regard to case (the users table's index).
func LoginNameProblem(name string) string {
	n := utf8.RuneCountInString(name)
	if n < 2 || n > 32 {
		return MsgLoginName
	}
	for _, r := range name {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-@", r)):
		case unicode.Is(unicode.Han, r):
		default:
			return MsgLoginName
		}
	}
	return ""
}

// CheckPassword is the password rule, the one every password setter uses
// (the database's CreateUser, so the CLI, the API and the pages): nil, or
// validation_failed naming password with PasswordProblem's message.
func CheckPassword(name, pw string) error {
	if msg := PasswordProblem(name, pw); msg != "" {
		return Invalid("用户", map[string]string{"password": msg})
	}
	return nil
}
