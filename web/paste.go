package web

// Paste a questionnaire (粘贴问卷): staff draft questionnaires in Word; the
// builder takes the text as pasted and makes a draft of it to check and
// adjust. What could not be understood is listed, never guessed silently.
//
// Understood: a title line first; numbered questions ("1．", "2、", "3.",
// "4)"); options on their own lines or after the question, lettered
// ("A．满意", "B、", "(C)") or marked ("□", "○"); in a question's text
// "（多选）", "（最多选3项）", "（必答）" or a trailing "*", "（单选）",
// "（填空）", "（数字）", and a rating scale such as "1-5分" or "（1～10分）".
// Questions may be separated by blank lines.

import (
	"regexp"
	"strconv"
	"strings"

	"budgetpoint/models"
)

var (
	pasteQuestionRe = regexp.MustCompile(`^\s*(\d{1,3})\s*[.．、)）]\s*(.+)$`)
	pasteOptionRe   = regexp.MustCompile(`^\s*(?:[(（]?[A-Ha-h][)）]?\s*[.．、:：)）]|[(（][A-Ha-h][)）]|[□○◯☐●■])\s*(.+)$`)
	pasteInlineRe   = regexp.MustCompile(`(?:^|\s)[(（]?([A-Ha-h])[)）]?\s*[.．、:：]\s*`)
	pasteMaxRe      = regexp.MustCompile(`[(（]\s*(?:最多|限|至多)选\s*(\d+)\s*项\s*[)）]`)
	pasteRatingRe   = regexp.MustCompile(`[(（]?\s*(\d+)\s*[-~～—至到]\s*(\d+)\s*分\s*[)）]?`)
	pasteMarkRe     = regexp.MustCompile(`[(（]\s*(多选|单选|必答|必填|填空|数字|可多选)\s*[)）]`)
)

// PasteProblem is a line of pasted text that was not understood: its
// number (from 1) and its text, shown as "23：…" or "23: …".
type PasteProblem struct {
	Line int
	Text string
}

// ParsePasted reads pasted text into a title and builder questions, and
// the lines it did not understand (with their line numbers).
func ParsePasted(text string) (title string, qs []BuilderQuestion, problems []PasteProblem) {
	var cur *BuilderQuestion
	var opts []string
	flush := func() {
		if cur == nil {
			return
		}
		finishPasted(cur, opts)
		qs = append(qs, *cur)
		cur, opts = nil, nil
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for n, raw := range lines {
		line := strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff"))
		if line == "" {
			continue
		}
		if m := pasteQuestionRe.FindStringSubmatch(line); m != nil && !pasteOptionRe.MatchString(line) {
			flush()
			label, inline := splitInlineOptions(m[2])
			cur = &BuilderQuestion{Key: "q" + strconv.Itoa(len(qs)+1), Label: label}
			opts = inline
			continue
		}
		if m := pasteOptionRe.FindStringSubmatch(line); m != nil && cur != nil {
			label, more := splitInlineOptions(line)
			if len(more) > 0 && label == "" {
				opts = append(opts, more...)
			} else {
				opts = append(opts, strings.TrimSpace(m[1]))
			}
			continue
		}
		if cur == nil && title == "" && len(qs) == 0 {
			title = line
			continue
		}
		if cur != nil && len(opts) > 0 {
			// A plain line after lettered options: an option without a letter.
			opts = append(opts, line)
			continue
		}
		problems = append(problems, PasteProblem{Line: n + 1, Text: line})
	}
	flush()
	return title, qs, problems
}

// splitInlineOptions splits "您的评价 A.满意 B.一般 C.不满意" into the label
// and its options; without lettered options it returns the text alone.
func splitInlineOptions(s string) (string, []string) {
	idx := pasteInlineRe.FindAllStringSubmatchIndex(s, -1)
	if len(idx) < 2 {
		return strings.TrimSpace(s), nil
	}
	label := strings.TrimSpace(s[:idx[0][0]])
	var opts []string
	for i, m := range idx {
		end := len(s)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		if o := strings.TrimSpace(s[m[1]:end]); o != "" {
			opts = append(opts, o)
		}
	}
	return label, opts
}

// finishPasted gives a pasted question its type and settings from the
// marks in its text and its options, and takes the marks out of the label.
func finishPasted(q *BuilderQuestion, opts []string) {
	label := q.Label
	q.Type = models.Text
	if len(opts) > 0 {
		q.Type = models.SingleChoice
		q.Options = strings.Join(opts, "\n")
	}
	if m := pasteMaxRe.FindStringSubmatch(label); m != nil {
		q.Type, q.MaxC = models.MultipleChoice, m[1]
		label = strings.Replace(label, m[0], "", 1)
	}
	for _, m := range pasteMarkRe.FindAllStringSubmatch(label, -1) {
		switch m[1] {
		case "多选", "可多选":
			q.Type = models.MultipleChoice
		case "必答", "必填":
			q.Required = true
		case "数字":
			q.Type = models.Number
		case "填空":
			q.Type = models.Text
		}
		label = strings.Replace(label, m[0], "", 1)
	}
	if strings.HasSuffix(label, "*") {
		q.Required = true
		label = strings.TrimSuffix(label, "*")
	}
	if len(opts) == 0 {
		if m := pasteRatingRe.FindStringSubmatch(label); m != nil {
			q.Type, q.Min, q.Max = models.Rating, m[1], m[2]
			label = strings.Replace(label, m[0], "", 1)
		}
	}
	q.Label = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(label), "：:"))
}
