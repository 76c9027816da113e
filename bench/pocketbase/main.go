// Command pocketbase runs PocketBase v0.36.8, the generic backend budgetpoint
// is compared with (issue 13), with one collection shaped like a
// questionnaire response: the client's id (text, unique index), the
// questionnaire, the channel (text), the respondent and the answers (JSON),
// and a public create rule, so that anyone may add a record as anyone may
// submit through a public link. It is a module of its own, so that
// budgetpoint does not depend on PocketBase; bench/ingest builds and starts
// it and loads it with the same generator and client as the contact point.
//
//	go run . --dir /tmp/pb --http 127.0.0.1:8099
//
// It prints "pocketbase listening on http://ADDR" once serving.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

func main() {
	dir := flag.String("dir", "./pb_data", "data directory")
	addr := flag.String("http", "127.0.0.1:8099", "listen address")
	flag.Parse()
	app := pocketbase.NewWithConfig(pocketbase.Config{DefaultDataDir: *dir, HideStartBanner: true})
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		if _, err := e.App.FindCollectionByNameOrId("responses"); err != nil {
			c := core.NewBaseCollection("responses")
			c.CreateRule = types.Pointer("") // public create, as a public link
			c.Fields.Add(
				&core.TextField{Name: "client_id", Required: true, Max: 64},
				&core.TextField{Name: "questionnaire_id", Required: true, Max: 64},
				&core.TextField{Name: "channel", Max: 16},
				&core.JSONField{Name: "respondent", MaxSize: 1 << 16},
				&core.JSONField{Name: "answers", MaxSize: 1 << 20},
			)
			c.AddIndex("idx_responses_client_id", true, "client_id", "")
			if err := e.App.Save(c); err != nil {
				return fmt.Errorf("the responses collection: %w", err)
			}
		}
		fmt.Printf("pocketbase listening on http://%s\n", *addr)
		return e.Next()
	})
	os.Args = []string{os.Args[0], "serve", "--http", *addr, "--dir", *dir}
	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}
