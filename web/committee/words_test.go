package committee

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"budgetpoint/web/internal/webtest"
)

// TestExportsNameThingsAlike: the hub's workbook and a point's name the
// channels (线上填写, 纸质录入) and the kinds of respondent with the same
// words; the hub's said 网上填写 and 纸质问卷.
func TestExportsNameThingsAlike(t *testing.T) {
	hs := newHubSite(t)
	hs.ingest(t, "hongta", 1, 4, hubOpinion(1, "建议加大乡村道路投入"))
	hf, err := hs.H.Export(context.Background(), hubTopic)
	if err != nil {
		t.Fatal(err)
	}
	defer hf.Close()
	rows, err := hf.GetRows("汇总")
	if err != nil {
		t.Fatal(err)
	}
	// The summary sheet: 答卷总数, then the kinds (3) and the channels (2), indented.
	var hubKinds, hubChannels []string
	for i, r := range rows {
		if len(r) > 0 && r[0] == "答卷总数" {
			for _, k := range rows[i+1 : i+4] {
				hubKinds = append(hubKinds, strings.TrimSpace(k[0]))
			}
			for _, c := range rows[i+4 : i+6] {
				hubChannels = append(hubChannels, strings.TrimSpace(c[0]))
			}
			break
		}
	}

	ps := newPointSite(t)
	res, err := ps.Login(t, "staff").Get(ps.URL + "/topics/" + hubTopic + "/summary.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(webtest.ReadAll(t, res))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the point's export: %d", res.StatusCode)
	}
	pf, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	prows, err := pf.GetRows(pf.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	// The point's: a header row "", online, paper, total; then 答卷总数 and a row per kind.
	var pointKinds, pointChannels []string
	for i, r := range prows {
		if len(r) == 4 && r[0] == "" && pointChannels == nil {
			pointChannels = r[1:3]
			for _, k := range prows[i+2 : i+5] {
				pointKinds = append(pointKinds, k[0])
			}
		}
	}
	if !slices.Equal(hubChannels, pointChannels) || !slices.Equal(hubChannels, []string{"线上填写", "纸质录入"}) {
		t.Errorf("the channels are named %q at the hub and %q at the point, want 线上填写 and 纸质录入 in both", hubChannels, pointChannels)
	}
	if !slices.Equal(hubKinds, pointKinds) || len(hubKinds) != 3 {
		t.Errorf("the respondents' kinds are named %q at the hub and %q at the point", hubKinds, pointKinds)
	}
}
