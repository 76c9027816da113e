// Package workdays counts working days in China: Monday to Friday, except
// the public holidays, plus the weekend days worked instead (调休), as the
// State Council's yearly arrangement (国务院办公厅关于部分节假日安排的通知)
// sets them. Without a calendar it counts Monday to Friday.
//
// A calendar file is JSON:
//
//	{"source": "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）",
//	 "holidays": ["2026-01-01", "2026-01-02", …],
//	 "workdays": ["2026-01-04", …]}
//
// Dates are days in China time (UTC+8).
package workdays

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// China is the time zone of the calendar's days.
var China = time.FixedZone("CST", 8*3600)

// Calendar holds the holidays and the working weekends of some years.
type Calendar struct {
	Source   string
	holidays map[string]bool
	workdays map[string]bool
}

type file struct {
	Source   string   `json:"source"`
	Holidays []string `json:"holidays"`
	Workdays []string `json:"workdays"`
}

// Load reads a calendar file.
func Load(path string) (*Calendar, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("无法读取工作日历 / cannot read the calendar: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("工作日历 %s 有误 / bad calendar %s: %w", path, path, err)
	}
	return c, nil
}

// Parse reads a calendar: every date must be YYYY-MM-DD; a holiday must
// not also be a working day, a holiday need not be a weekday and a
// working weekend day must be a Saturday or Sunday.
func Parse(b []byte) (*Calendar, error) {
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("不是有效的 JSON / does not parse: %w", err)
	}
	c := &Calendar{Source: f.Source, holidays: map[string]bool{}, workdays: map[string]bool{}}
	for _, s := range f.Holidays {
		d, err := time.ParseInLocation(time.DateOnly, s, China)
		if err != nil {
			return nil, fmt.Errorf("holidays: %q 应为 2026-10-01 这样的日期 / must be a date such as 2026-10-01", s)
		}
		c.holidays[d.Format(time.DateOnly)] = true
	}
	for _, s := range f.Workdays {
		d, err := time.ParseInLocation(time.DateOnly, s, China)
		if err != nil {
			return nil, fmt.Errorf("workdays: %q 应为 2026-10-10 这样的日期 / must be a date such as 2026-10-10", s)
		}
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			return nil, fmt.Errorf("workdays: %s 是%s，调休上班的日子应是周六或周日 / %s is a %s: a working weekend day must be a Saturday or Sunday", s, weekdayZH[wd], s, wd)
		}
		if c.holidays[s] {
			return nil, fmt.Errorf("%s 既是假日又是上班日 / %s is both a holiday and a working day", s, s)
		}
		c.workdays[s] = true
	}
	return c, nil
}

var weekdayZH = map[time.Weekday]string{time.Monday: "周一", time.Tuesday: "周二", time.Wednesday: "周三",
	time.Thursday: "周四", time.Friday: "周五", time.Saturday: "周六", time.Sunday: "周日"}

// day is t's date in China time, at midnight.
func day(t time.Time) time.Time {
	y, m, d := t.In(China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, China)
}

// Working reports whether t's day (China time) is a working day. A nil
// calendar counts Monday to Friday.
func (c *Calendar) Working(t time.Time) bool {
	d := day(t)
	if c != nil {
		k := d.Format(time.DateOnly)
		if c.holidays[k] {
			return false
		}
		if c.workdays[k] {
			return true
		}
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Add returns the day n working days after from's day (n ≥ 0; 0: from's
// day itself, or the next working day when it is not one).
func (c *Calendar) Add(from time.Time, n int) time.Time {
	d := day(from)
	for !c.Working(d) {
		d = d.AddDate(0, 0, 1)
	}
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.Working(d) {
			n--
		}
	}
	return d
}

// Between counts the working days after from's day up to and including
// to's day (0 when to is not after from).
func (c *Calendar) Between(from, to time.Time) int {
	n := 0
	for d, end := day(from).AddDate(0, 0, 1), day(to); !d.After(end); d = d.AddDate(0, 0, 1) {
		if c.Working(d) {
			n++
		}
	}
	return n
}

// Months returns the working day on or after the same date n months after
// from, or the month's last day when it is shorter (11月30日 → 2月28日):
// the default time limit of an assignment, 三个月.
func (c *Calendar) Months(from time.Time, n int) time.Time {
	d := day(from)
	first := time.Date(d.Year(), d.Month()+time.Month(n), 1, 0, 0, 0, 0, China)
	last := first.AddDate(0, 1, -1).Day()
	return c.Add(time.Date(first.Year(), first.Month(), min(d.Day(), last), 0, 0, 0, 0, China), 0)
}
