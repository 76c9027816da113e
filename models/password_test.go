package models

import (
	"strings"
	"testing"
)

// TestPasswordRule: each weak password is refused for its own reason, case
// ignored; passwords that mix three classes, are long enough, avoid the name
// and are not common pass.
func TestPasswordRule(t *testing.T) {
	for _, c := range []struct{ name, pw, want string }{
		{"staff", "11111111", MsgPasswordTooShort},
		{"staff", "aaaaaaaa", MsgPasswordTooShort},
		{"staff", "password", MsgPasswordTooShort},
		{"staff", "Password1", MsgPasswordTooShort},
		{"staff", "Ab1-567", MsgPasswordTooShort},
		{"staff", "密码密码密码密码密9", MsgPasswordClasses}, // 10 characters, 2 classes (symbols, digits)
		{"staff", "abcdefghij", MsgPasswordClasses},
		{"staff", "aaaaaaaaaaaa", MsgPasswordClasses},
		{"staff", "1111111111", MsgPasswordClasses},
		{"staff", "correcthorsebattery", MsgPasswordClasses},
		{"staff", "CorrectHorseBattery", MsgPasswordClasses},
		{"staff", "Ab1" + strings.Repeat("x", 70), MsgPasswordTooLong},
		{"staff", "staff", MsgPasswordTooShort},
		{"staff", "Staff-2026-ok", MsgPasswordHasName},
		{"Zhangwei", "my-ZHANGWEI-9", MsgPasswordHasName},
		{"staff", "Password123", MsgPasswordCommon},
		{"staff", "PASSWORD@2026", MsgPasswordCommon},
		{"staff", "P@ssw0rd123", MsgPasswordCommon},
		{"staff", "Qwerty@123", MsgPasswordCommon},
		{"staff", "Woaini1314!", MsgPasswordCommon},
		{"staff", "Zhang123456", MsgPasswordCommon},
		{"staff", "Admin@12345", MsgPasswordCommon},
		{"staff", "1qaz2wsx3edc4rfv", MsgPasswordClasses},
		{"staff", "1Qaz2Wsx3Edc", MsgPasswordCommon},
		{"staff", "demo-pass-2026", ""},
		{"staff", "Budget-Yuxi-7c", ""},
		{"staff", "密码是Quite-9", ""},
		{"", "Password-gone-7", ""},
	} {
		if got := PasswordProblem(c.name, c.pw); got != c.want {
			t.Errorf("PasswordProblem(%q, %q) = %q, want %q", c.name, c.pw, got, c.want)
		}
		err := CheckPassword(c.name, c.pw)
		if c.want == "" {
			if err != nil {
				t.Errorf("CheckPassword(%q, %q): %v", c.name, c.pw, err)
			}
			continue
		}
		e, ok := AsError(err)
		if !ok || e.Code != EInvalid || e.Fields["password"] != c.want || !strings.Contains(e.Fields["password"], " / ") {
			t.Errorf("CheckPassword(%q, %q) = %v, want validation_failed with fields.password %q", c.name, c.pw, err, c.want)
		}
	}
}

// TestCommonPasswords: the embedded list is a few thousand passwords, one a
// line in lower case, without blanks; the classics are in it.
func TestCommonPasswords(t *testing.T) {
	if n := CommonPasswords(); n < 5000 {
		t.Fatalf("%d common passwords, want thousands", n)
	}
	for _, l := range strings.Split(strings.TrimSuffix(commonPasswordsText, "\n"), "\n") {
		if l == "" || l != strings.ToLower(strings.TrimSpace(l)) {
			t.Fatalf("line %q: want a password in lower case, no spaces around", l)
		}
	}
	for _, pw := range []string{"123456", "password", "qwerty", "iloveyou", "woaini1314", "5201314", "zhang123456",
		"password2000", "admin@1950", "qwerty2030", "1qaz2wsx", "zxcvbnm", "aaaaaaaaaa", "123123123", "Password1"} {
		if !IsCommonPassword(pw) {
			t.Errorf("%q is not among the common passwords", pw)
		}
	}
}
