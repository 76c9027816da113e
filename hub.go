package main

import (
	"budgetpoint/models"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/handlers"
	"budgetpoint/hub"
	"budgetpoint/internal/workdays"
	"budgetpoint/web/committee"
)

// demoSecret is the secret of a point in the --demo points file: known, so
// that a newcomer can start points against the demo hub. Never use it for real.
func demoSecret(pointID string) string { return "demo-secret-" + pointID + "-2026" }

// demoPassword is the password of the demo committee login.
const demoPassword = "demo-pass-2026"

// runHub runs the committee hub: the points' sync and the committee API.
func runHub(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fl := flag.NewFlagSet("hub", flag.ContinueOnError)
	addr := fl.String("addr", "127.0.0.1:8090", "listen address")
	data := fl.String("data", "./hub-data", "data directory")
	database := databaseFlag(fl)
	pointsPath := fl.String("points", "points.json", "points file: {\"points\": [{\"id\", \"name\", \"secret\"}]}")
	withDemo := fl.Bool("demo", false, "use (and write if missing) a demo points file with the six points and known secrets")
	calendarPath := fl.String("calendar", "", "working-day calendar (JSON: holidays and working weekends, as docs/calendar-2026.json); without it Monday to Friday")
	acceptV1 := fl.Bool("accept-signature-v1", false, "also take sync requests signed with version 1 (over the path only), each audited, while points are upgraded")
	lockout := lockoutFlags(fl)
	idle := sessionIdleFlag(fl)
	tlsF := tlsFlags(fl)
	proxies := proxyFlag(fl)
	backups := addBackupFlags(fl)
	if err := parseFlags(fl, args, getenv); err != nil {
		return err
	}
	tlsConf, err := tlsF.load()
	if err != nil {
		return err
	}
	if err := checkDatabase(*database); err != nil {
		return err
	}
	if *database != "" && backups.enabled() {
		return usage("--backup-dir 只用于 SQLite；PostgreSQL 的库请用 pg_dump 或数据库自身的备份（见 docs/deployment.md） / --backup-dir is for SQLite: back up a PostgreSQL database with pg_dump or the database's own backups (docs/deployment.md)")
	}
	if err := backups.check(*data); err != nil {
		return err
	}
	if err := checkLockout(lockout); err != nil {
		return err
	}
	if err := checkSessionIdle(*idle); err != nil {
		return err
	}
	pointsGiven := false
	fl.Visit(func(f *flag.Flag) { pointsGiven = pointsGiven || f.Name == "points" })
	if getenv("BUDGETPOINT_POINTS") != "" {
		pointsGiven = true
	}
	if *withDemo {
		if err := demoOnLoopback(*addr); err != nil {
			return err
		}
		if pointsGiven {
			return usage("--demo 不能与 --points（或 BUDGETPOINT_POINTS）同用：演示账号的密码是公开的，不得用于真实的联系点文件；正式运行时不加 --demo / --demo cannot be used with --points (or BUDGETPOINT_POINTS): the demo logins have known passwords and must never run with a real points file; run a real hub without --demo")
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("hub", true)
	if *withDemo {
		*pointsPath = filepath.Join(*data, "points-demo.json")
		base := "http://" + *addr
		if tlsConf != nil {
			base = "https://" + *addr
		}
		if err := writeDemoPoints(*data, *pointsPath, base, stdout); err != nil {
			return err
		}
	}
	points, err := hub.LoadPoints(*pointsPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !pointsGiven {
			return usage("找不到联系点文件 %s：用 --points 指定，或用 --demo 试用 / no points file %s: give --points FILE, or try --demo\n%v", *pointsPath, *pointsPath, err)
		}
		return usage("联系点文件 %s 有误 / bad points file %s: %v", *pointsPath, *pointsPath, err)
	}
	d, err := openHubDB(ctx, *data, *database)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := ensureAdmin(ctx, d, stdout); err != nil {
		return err
	}
	if *withDemo {
		if _, err := d.UserByName(ctx, "committee"); err != nil {
			created, err := d.EnsureUser(ctx, "committee", "committee", demoPassword, "")
			if err != nil {
				return err
			}
			if created {
				fmt.Fprintf(stdout, "演示账号 / demo login: committee, password %s\n", demoPassword)
			}
		}
	}

	// The parts of the hub, each handed what it needs.
	h := hub.New(hub.NewStore(d, log), points, log)
	h.AcceptSignatureV1 = *acceptV1
	if *calendarPath != "" {
		if h.Calendar, err = workdays.Load(*calendarPath); err != nil {
			return usage("%v", err)
		}
		fmt.Fprintf(stdout, "工作日历 / calendar: %s (%s)\n", *calendarPath, h.Calendar.Source)
	}
	if *acceptV1 {
		log.Warn("sync requests signed with version 1 are taken (--accept-signature-v1): each use is audited; drop the flag once every point is upgraded")
	}
	if *withDemo {
		// The demo topics published to every point; units, a unit login and
		// a handled history, so that the closed loop's pages show something.
		if err := demo.LoadHub(ctx, h, d, stdout); err != nil {
			return err
		}
	}
	s := handlers.NewServer(d, handlers.Config{PointID: "hub", Hub: true, Log: log, BodyLimits: hub.BodyLimits(), Lockout: *lockout, SessionIdle: *idle, TrustedProxies: *proxies,
		UnitExists: h.Store.UnitExists})
	pages, err := committee.New(s, h)
	if err != nil {
		return err
	}
	r := s.Router(handlers.APIs{Hub: hub.NewAPI(h, s)}) // every API route (handlers/routes.go)
	pages.Routes(r)                                     // the committee's pages (web/committee)
	fmt.Fprintf(stdout, "联系点 / points: %d (%s)\n", len(points), *pointsPath)
	stopBackups, err := startBackups(ctx, backups, "hub", d, log, stdout)
	if err != nil {
		return err
	}
	defer stopBackups() // before d.Close: a backup under way ends first
	go logAuditAnchors(ctx, d, log)
	return serveHTTP(ctx, *addr, r, tlsConf, log, stdout, committee.DefaultName+" / committee hub")
}

// databaseFlag is --database (BUDGETPOINT_DATABASE): the hub's database on
// PostgreSQL; without it, SQLite in the data directory.
func databaseFlag(fl *flag.FlagSet) *string {
	return fl.String("database", "", "the hub's database on PostgreSQL: postgres://user@host:5432/db?sslmode=… (without it: SQLite in --data)")
}

// checkDatabase refuses a --database that is not PostgreSQL's.
func checkDatabase(addr string) error {
	if addr != "" && !db.IsPostgres(addr) {
		return usage("--database 应为 postgres:// 开头的 PostgreSQL 地址；不加时用数据目录中的 SQLite / --database must be a postgres:// address; without it the hub uses SQLite in its data directory")
	}
	return nil
}

// openHubDB opens the hub's database: on PostgreSQL at addr when given,
// else SQLite in dir.
func openHubDB(ctx context.Context, dir, addr string) (*db.DB, error) {
	if addr == "" {
		return openHubData(dir)
	}
	d, err := db.OpenPostgres(ctx, addr, hub.Schema())
	if err != nil {
		return nil, usageError{err}
	}
	return d, nil
}

// openHubData opens the hub's database: the accounts tables and the hub's own.
func openHubData(dir string) (*db.DB, error) {
	d, err := db.OpenWith(dir, hub.Schema())
	if err != nil {
		return nil, usageError{err}
	}
	return d, nil
}

// writeDemoPoints writes the six points with known secrets, unless the file
// exists, and prints how to start points against the demo hub at base.
func writeDemoPoints(dir, path, base string, stdout io.Writer) error {
	if _, err := os.Stat(path); err != nil {
		if err := os.MkdirAll(dir, db.DirMode); err != nil {
			return usageError{fmt.Errorf(models.MsgCannotCreateDir, dir, err)}
		}
		var f hub.PointsFile
		for _, p := range demo.Points() {
			f.Points = append(f.Points, hub.Point{ID: p.ID, Name: p.Name, NameEN: p.NameEN, Secret: demoSecret(p.ID)})
		}
		b, _ := json.MarshalIndent(f, "", "  ")
		// Written whole under another name, then linked into place: a hub
		// started at the same moment never reads half a file, and the
		// first link wins.
		tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
		err := os.WriteFile(tmp, append(b, '\n'), 0o600)
		if err == nil {
			err = os.Link(tmp, path)
			os.Remove(tmp)
		}
		switch {
		case err == nil:
			fmt.Fprintf(stdout, "已写入演示联系点文件 / wrote the demo points file %s\n", path)
		case !errors.Is(err, fs.ErrExist):
			return usageError{fmt.Errorf("无法写入演示联系点文件 / cannot write the demo points file: %w", err)}
		}
	}
	fmt.Fprintln(stdout, "启动联系点，例如 / start points against this hub, for example:")
	for i, p := range demo.Points()[:2] {
		fmt.Fprintf(stdout, "  budgetpoint serve --demo --point-id %s --addr 127.0.0.1:%d --data ./data-%s --hub %s --hub-secret %s --sync-interval 5s\n",
			p.ID, 8081+i, p.ID, base, demoSecret(p.ID))
	}
	return nil
}
