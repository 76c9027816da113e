package db_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/models"
)

// Compare with:
//
//	go test ./db -run '^$' -bench 'Submit|RawInsert' -benchtime 3000x
//
// BenchmarkRawInsert is the floor every durable write pays (one row, one
// transaction, one fsync of the WAL); BenchmarkSubmit/serial pays it once per
// response plus the work of a response; BenchmarkSubmit/parallel lets the
// group-committing writer share one fsync among the waiting responses.

// cpuTime is the user and system CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report adds the rate and the CPU time per operation, which a busy shared
// machine disturbs less than the rate.
func report(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

type benchSub struct {
	qid string
	s   db.Submission
}

// benchSubs makes n valid, varied responses to the demo questionnaires.
func benchSubs(n int) []benchSub {
	rng := rand.New(rand.NewPCG(7, 2027))
	defs := demo.Questionnaires()
	deps := demo.Deputies()
	out := make([]benchSub, n)
	for i := range out {
		d := &defs[0]
		if rng.IntN(330) >= 240 {
			d = &defs[1]
		}
		s := demo.RandomSubmission(rng, d, "bench")
		if s.Respondent.Kind == "deputy" && rng.IntN(2) == 0 {
			s.Respondent.DeputyID = deps[rng.IntN(len(deps))].ID
		}
		s.SubmittedBy = 1
		out[i] = benchSub{d.ID, s}
	}
	return out
}

func benchDB(b *testing.B) *db.DB {
	b.Helper()
	db.BcryptCost = bcrypt.MinCost
	d, err := db.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	if err := demo.Load(context.Background(), d, "bench", io.Discard); err != nil {
		b.Fatal(err)
	}
	return d
}

func BenchmarkSubmit(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		d := benchDB(b)
		subs := benchSubs(b.N)
		ctx := context.Background()
		b.ResetTimer()
		cpu0 := cpuTime()
		for i := 0; i < b.N; i++ {
			if _, created, err := d.SubmitResponse(ctx, subs[i].qid, subs[i].s); err != nil || !created {
				b.Fatalf("submission %d: created %v, %v", i, created, err)
			}
		}
		report(b, cpu0)
	})
	// 16 submitting goroutines per CPU, like the load command's 16 and 64
	// clients, signed in as staff are (so each response is audited).
	b.Run("parallel", func(b *testing.B) {
		d := benchDB(b)
		subs := benchSubs(b.N)
		ctx := models.WithActor(context.Background(), models.Actor{User: "bench", Role: "staff", Addr: "127.0.0.1"})
		var next atomic.Int64
		b.SetParallelism(16)
		b.ResetTimer()
		cpu0 := cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next.Add(1) - 1
				if _, created, err := d.SubmitResponse(ctx, subs[i].qid, subs[i].s); err != nil || !created {
					b.Errorf("submission %d: created %v, %v", i, created, err)
					return
				}
			}
		})
		report(b, cpu0)
	})
}

// BenchmarkRawInsert inserts response-like rows one per transaction with the
// server's connection settings: the baseline of the load command.
func BenchmarkRawInsert(b *testing.B) {
	c, err := sql.Open("sqlite3", db.DSN(filepath.Join(b.TempDir(), "raw.db"), "_txlock=immediate"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	if _, err := c.Exec(`CREATE TABLE responses (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, questionnaire_id TEXT NOT NULL,
		version INTEGER NOT NULL, topic_id TEXT NOT NULL, respondent_kind TEXT NOT NULL, channel TEXT NOT NULL, answers TEXT NOT NULL,
		content_hash TEXT NOT NULL, submitted_by INTEGER, created_at TEXT NOT NULL);
		CREATE INDEX responses_q ON responses(questionnaire_id, rowid);
		CREATE INDEX responses_topic ON responses(topic_id);
		CREATE INDEX responses_user ON responses(submitted_by, rowid);`); err != nil {
		b.Fatal(err)
	}
	ins, err := c.Prepare(`INSERT INTO responses(id, questionnaire_id, version, topic_id, respondent_kind, channel, answers, content_hash, submitted_by, created_at)
		VALUES(?,?,1,?,?,?,?,?,1,?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer ins.Close()
	subs := benchSubs(b.N)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		s := subs[i].s
		a, _ := json.Marshal(s.Answers)
		tx, err := c.Begin()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Stmt(ins).Exec(s.ID, subs[i].qid, "t", s.Respondent.Kind, s.Channel, string(a), fmt.Sprintf("%064x", i),
			time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	report(b, cpu0)
}

// BenchmarkSummary reads every demo topic's summary, as the summary API
// and the dashboard do: its cost must not grow with the responses (their
// counters are kept), only with the questionnaires.
func BenchmarkSummary(b *testing.B) {
	d := benchDB(b)
	ctx := context.Background()
	ts, err := d.Topics(ctx, 100, "")
	if err != nil || len(ts.Items) == 0 {
		b.Fatalf("topics: %v, %v", ts, err)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := d.Summary(ctx, ts.Items[i%len(ts.Items)].ID, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	report(b, cpu0)
}
