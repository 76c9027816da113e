package e2e

import (
	"errors"
	"strings"
	"testing"
)

// TestClassifyHistory shows that the drills' history check can fail: a clean
// history passes, and each planted loss, duplicate or unexpected row is
// reported, and only as what it is.
func TestClassifyHistory(t *testing.T) {
	timeout := errors.New("Post …: context deadline exceeded")
	op := func(point, id, kind, hash string, status int, err error) sent {
		s := sent{Point: point, ID: id, Op: kind, Hash: hash, Outcome: outcomeOf(status, err), Status: status}
		if err != nil {
			s.Status = 0
		}
		return s
	}
	// A clean history at two points: every kind of outcome once.
	ops := []sent{
		op("a", "r-ack", opCreate, "h1", 201, nil),
		op("a", "r-ack", opCreate, "h1", 200, nil),             // the same again
		op("a", "r-ack", opCreate, "h9", 409, nil),             // the same id, other content
		op("a", "r-unk-stored", opCreate, "h2", 0, timeout),    // killed while committing
		op("a", "r-unk-gone", opCreate, "h3", 0, timeout),      // killed before
		op("a", "r-unk-resent", opCreate, "h4", 0, timeout),    // then sent again
		op("a", "r-unk-resent", opCreate, "h4", 200, nil),      // it had been stored
		op("a", "r-5xx", opCreate, "h5", 503, nil),             // unavailable: unknown
		op("b", "r-refused", opCreate, "h6", 422, nil),         // invalid
		op("b", "r-fixed", opCreate, "h7", 201, nil),           //
		op("b", "r-fixed", opCorrect, "h7b", 200, nil),         // corrected
		op("b", "r-void", opCreate, "h8", 201, nil),            //
		op("b", "r-void", opVoid, "", 200, nil),                // voided
		op("b", "r-fix-unk", opCreate, "h10", 201, nil),        //
		op("b", "r-fix-unk", opCorrect, "h10b", 0, timeout),    // a correction without answer
		op("b", "r-void-ref", opCreate, "h11", 201, nil),       //
		op("b", "r-void-ref", opVoid, "", 404, nil),            // a refused void
		op("b", "r-unk-then-ack", opCreate, "h12", 0, timeout), //
		op("b", "r-unk-then-ack", opCreate, "h12", 201, nil),   // not stored before: 201
	}
	rows := []storedResp{
		{Point: "a", ID: "r-ack", Topic: "t", Hash: "h1"},
		{Point: "a", ID: "r-unk-stored", Topic: "t", Hash: "h2"},
		{Point: "a", ID: "r-unk-resent", Topic: "t", Hash: "h4"},
		{Point: "b", ID: "r-fixed", Topic: "t", Hash: "h7b"},
		{Point: "b", ID: "r-void", Topic: "t", Hash: "h8", Voided: true},
		{Point: "b", ID: "r-fix-unk", Topic: "t", Hash: "h10"},
		{Point: "b", ID: "r-void-ref", Topic: "t", Hash: "h11"},
		{Point: "b", ID: "r-unk-then-ack", Topic: "t", Hash: "h12"},
	}
	counts := []counted{
		{"kept", "a", "t", 3}, {"recount", "a", "t", 3}, {"hub", "a", "t", 3},
		{"kept", "b", "t", 4}, {"recount", "b", "t", 4}, {"hub", "b", "t", 4},
	}
	v := classify(ops, rows, counts)
	t.Logf("clean history:\n%s", v.table())
	if len(v.Lost)+len(v.Duplicated)+len(v.Unexpected) != 0 {
		t.Fatalf("a clean history is reported:\n%s", v.table())
	}
	want := map[outcome][2]int{acked: {7, 0}, refused: {0, 1}, unknown: {1, 2}}
	for o, w := range want {
		if v.ByClass[o] != w {
			t.Errorf("%s: stored / not stored %v, want %v", o, v.ByClass[o], w)
		}
	}

	// without returns rows without the one of id.
	without := func(id string) []storedResp {
		var out []storedResp
		for _, r := range rows {
			if r.ID != id {
				out = append(out, r)
			}
		}
		return out
	}
	// with returns rows with the one of id replaced by r.
	with := func(id string, r storedResp) []storedResp {
		return append(without(id), r)
	}
	// cnt is every place counting a and b live responses, but for mod.
	cnt := func(a, b int64, mod ...counted) []counted {
		out := []counted{}
		for _, w := range []string{"kept", "recount", "hub"} {
			out = append(out, counted{w, "a", "t", a}, counted{w, "b", "t", b})
		}
		for _, m := range mod {
			for i, c := range out {
				if c.Where == m.Where && c.Point == m.Point {
					out[i].N = m.N
				}
			}
		}
		return out
	}
	cases := []struct {
		name   string
		ops    []sent
		rows   []storedResp
		counts []counted
		// how many lines each category must report, and a word of them
		lost, duplicated, unexpected int
		word                         string
	}{
		{"acknowledged, not stored", ops, without("r-ack"), cnt(2, 4), 1, 0, 0, "r-ack"},
		{"acknowledged after a timeout, not stored", ops, without("r-unk-then-ack"), cnt(3, 3), 1, 0, 0, "r-unk-then-ack"},
		{"acknowledged void not kept", ops, with("r-void", storedResp{Point: "b", ID: "r-void", Topic: "t", Hash: "h8"}), cnt(3, 5), 1, 0, 0, "r-void"},
		{"the hub counts one fewer", ops, rows, cnt(3, 4, counted{"hub", "a", "t", 2}), 1, 0, 0, "hub counts 2"},
		{"counted twice at the point", ops, rows, cnt(3, 4, counted{"kept", "b", "t", 5}), 0, 1, 0, "kept counts 5"},
		{"the hub counts one more", ops, rows, cnt(3, 4, counted{"hub", "b", "t", 5}), 0, 1, 0, "hub counts 5"},
		{"the same id at two points", ops, append(append([]storedResp(nil), rows...), storedResp{Point: "b", ID: "r-ack", Topic: "t", Hash: "h1"}),
			cnt(3, 5), 0, 1, 0, "stored 2 times"},
		{"stored, never sent", ops, append(append([]storedResp(nil), rows...), storedResp{Point: "a", ID: "r-ghost", Topic: "u", Hash: "hx"}), counts, 0, 0, 1, "never sent"},
		{"stored with other content", ops, with("r-ack", storedResp{Point: "a", ID: "r-ack", Topic: "t", Hash: "h9"}), counts, 0, 0, 1, "stored h9"},
		{"acknowledged correction not kept", ops, with("r-fixed", storedResp{Point: "b", ID: "r-fixed", Topic: "t", Hash: "h7"}), counts, 0, 0, 1, "r-fixed"},
		{"an unknown stored with other content", ops, with("r-unk-stored", storedResp{Point: "a", ID: "r-unk-stored", Topic: "t", Hash: "hz"}), counts, 0, 0, 1, "r-unk-stored"},
		{"a refused one stored", ops, append(append([]storedResp(nil), rows...), storedResp{Point: "b", ID: "r-refused", Topic: "u", Hash: "h6"}), counts, 0, 0, 1, "r-refused"},
		{"voided without a void", ops, with("r-void-ref", storedResp{Point: "b", ID: "r-void-ref", Topic: "t", Hash: "h11", Voided: true}), cnt(3, 3), 0, 0, 1, "r-void-ref"},
		{"stored at another point", ops, with("r-ack", storedResp{Point: "b", ID: "r-ack", Topic: "u", Hash: "h1"}), cnt(2, 4), 0, 0, 1, "stored at b"},
		{"acknowledged against what is stored", append(append([]sent(nil), ops...), op("a", "r-ack", opCreate, "h9", 200, nil)), rows, counts, 0, 0, 1, "no state allows"},
	}
	for _, tc := range cases {
		v := classify(tc.ops, tc.rows, tc.counts)
		if len(v.Lost) != tc.lost || len(v.Duplicated) != tc.duplicated || len(v.Unexpected) != tc.unexpected {
			t.Errorf("%s: lost %d duplicated %d unexpected %d, want %d %d %d:\n%s", tc.name,
				len(v.Lost), len(v.Duplicated), len(v.Unexpected), tc.lost, tc.duplicated, tc.unexpected, v.table())
			continue
		}
		if !strings.Contains(v.table(), tc.word) {
			t.Errorf("%s: the report does not say %q:\n%s", tc.name, tc.word, v.table())
		}
	}
}
