package workdays

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func date(s string) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, s, China)
	if err != nil {
		panic(err)
	}
	return d
}

// The calendar the project ships (docs/calendar-2026.json, the State
// Council's arrangement for 2026) parses and gives 2026 its 248 working days.
func TestShippedCalendar2026(t *testing.T) {
	_, here, _, _ := runtime.Caller(0)
	c, err := Load(filepath.Join(filepath.Dir(here), "..", "..", "docs", "calendar-2026.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Source, "国务院办公厅关于2026年部分节假日安排的通知") {
		t.Errorf("source %q", c.Source)
	}
	if n := c.Between(date("2025-12-31"), date("2026-12-31")); n != 248 {
		t.Errorf("2026 has %d working days by the calendar, want 248", n)
	}
	for s, want := range map[string]bool{
		"2026-01-01": false, "2026-01-04": true, // 元旦, and the Sunday worked
		"2026-02-14": true, "2026-02-16": false, "2026-02-23": false, "2026-02-24": true, "2026-02-28": true,
		"2026-10-07": false, "2026-10-08": true, "2026-10-10": true, "2026-10-11": false,
		"2026-12-01": true, "2026-12-05": false,
	} {
		if got := c.Working(date(s)); got != want {
			t.Errorf("%s working %v, want %v", s, got, want)
		}
	}
	// One working day after 9月30日 is 10月8日 (the National Day holiday between).
	if got := c.Add(date("2026-09-30"), 1).Format(time.DateOnly); got != "2026-10-08" {
		t.Errorf("a working day after 2026-09-30: %s", got)
	}
	// Seven working days from 2月13日 (a Friday): 14日 (worked), 24–27日, 28日 (worked), 3月2日.
	if got := c.Add(date("2026-02-13"), 7).Format(time.DateOnly); got != "2026-03-02" {
		t.Errorf("seven working days after 2026-02-13: %s", got)
	}
	// Three months from 11月30日 is 2027-02-28, a Sunday: the Monday after.
	if got := c.Months(date("2026-11-30"), 3).Format(time.DateOnly); got != "2027-03-01" {
		t.Errorf("three months after 2026-11-30: %s", got)
	}
}

// Without a calendar: Monday to Friday.
func TestNoCalendar(t *testing.T) {
	var c *Calendar
	if c.Working(date("2026-10-01")) != true || c.Working(date("2026-10-03")) != false {
		t.Error("without a calendar a Thursday is working and a Saturday is not")
	}
	if n := c.Between(date("2026-11-27"), date("2026-12-04")); n != 5 {
		t.Errorf("%d working days in a week, want 5", n)
	}
	// In China time: 23:30 UTC on a Friday is already Saturday.
	if c.Working(time.Date(2026, 12, 4, 23, 30, 0, 0, time.UTC)) {
		t.Error("Friday 23:30 UTC is Saturday in China")
	}
}

func TestBadCalendars(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":                `{"holidays": [`,
		"a bad date":              `{"holidays": ["2026-13-01"]}`,
		"a weekday worked":        `{"workdays": ["2026-10-09"]}`,
		"both holiday and worked": `{"holidays": ["2026-10-10"], "workdays": ["2026-10-10"]}`,
	} {
		if _, err := Parse([]byte(body)); err == nil || !strings.Contains(err.Error(), " / ") {
			t.Errorf("%s: %v, want a refusal in Chinese and English", name, err)
		}
	}
}
