package web

import (
	"reflect"
	"testing"

	"budgetpoint/models"
)

// TestParsePasted: a questionnaire of eight questions as drafted in Word
// becomes the right questions; what is not understood is listed.
func TestParsePasted(t *testing.T) {
	text := wordQuestionnaire
	title, qs, problems := ParsePasted(text)
	if title != "2027年市级预算草案征求意见问卷" {
		t.Errorf("title %q", title)
	}
	want := []BuilderQuestion{
		{Key: "q1", Type: models.SingleChoice, Label: "您对2027年市级预算草案的总体评价", Required: true, Options: "满意\n基本满意\n不满意"},
		{Key: "q2", Type: models.MultipleChoice, Label: "您认为应优先保障的支出", Options: "教育\n医疗卫生\n社会保障\n交通运输", MaxC: "3"},
		{Key: "q3", Type: models.MultipleChoice, Label: "您关注的领域", Options: "农业\n水利\n养老"},
		{Key: "q4", Type: models.Rating, Label: "您对预算公开透明程度的评分", Min: "1", Max: "5"},
		{Key: "q5", Type: models.Number, Label: "您认为乡村道路硬化每年宜安排多少资金"},
		{Key: "q6", Type: models.Text, Label: "其他意见建议"},
		{Key: "q7", Type: models.SingleChoice, Label: "您的身份", Required: true, Options: "人大代表\n群众\n其他"},
		{Key: "q8", Type: models.Rating, Label: "对预算绩效的打分", Min: "1", Max: "10"},
	}
	if len(qs) != len(want) {
		t.Fatalf("%d questions, want %d: %+v", len(qs), len(want), qs)
	}
	for i := range want {
		if !reflect.DeepEqual(qs[i], want[i]) {
			t.Errorf("question %d:\n got %+v\nwant %+v", i+1, qs[i], want[i])
		}
	}
	if len(problems) != 1 || problems[0] != (PasteProblem{Line: 23, Text: "以上内容请于12月10日前交回"}) {
		t.Errorf("problems %v, want the closing line listed", problems)
	}
}

// wordQuestionnaire is a questionnaire of eight questions as staff draft it
// in Word, with a closing line that is no question.
const wordQuestionnaire = "2027年市级预算草案征求意见问卷\n\n" +
	"1．您对2027年市级预算草案的总体评价（必答）\nA．满意\nB．基本满意\nC．不满意\n\n" +
	"2、您认为应优先保障的支出（最多选3项）\nA、教育\nB、医疗卫生\nC、社会保障\nD、交通运输\n\n" +
	"3. 您关注的领域（多选） A.农业 B.水利 C.养老\n" +
	"4．您对预算公开透明程度的评分（1-5分）\n" +
	"5．您认为乡村道路硬化每年宜安排多少资金（数字）\n" +
	"6．其他意见建议\n" +
	"7．您的身份*\n□人大代表\n□群众\n□其他\n" +
	"8）对预算绩效的打分（1～10分）\n" +
	"以上内容请于12月10日前交回\n"
