// Command budgetpoint runs a budget-work contact point, or the committee hub,
// of the Yuxi Municipal People's Congress. See README.md.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/handlers"
	"budgetpoint/hub"
	"budgetpoint/models"
	"budgetpoint/syncer"
	"budgetpoint/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "budgetpoint:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a bad command line or configuration: exit status 2.
type usageError struct{ error }

func usage(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

const usageText = `用法 / usage:
  budgetpoint serve  [--addr 127.0.0.1:8080] [--data ./data] [--point-id hongta]
                     [--hub URL --hub-secret S [--hub-insecure]] [--sync-interval 30s] [--demo]
                     [--hub-ca FILE]   (PEM CA certificate(s) trusted for an https:// hub instead of the system's)
                     [--key-file FILE]   (the key of the deputies' ID numbers and phones; default DATA/keys/deputies.key)
                     [--lockout-after 5] [--lockout-for 30m] [--session-idle 30m]
                     [--tls-cert FILE --tls-key FILE] [--trusted-proxy CIDR]...
                     [--backup-dir DIR [--backup-every 24h] [--backup-keep 14]]
  budgetpoint hub    [--addr 127.0.0.1:8090] [--data ./hub-data] [--points points.json] [--demo]
                     [--lockout-after 5] [--lockout-for 30m] [--session-idle 30m]
                     [--tls-cert FILE --tls-key FILE] [--trusted-proxy CIDR]...
                     [--backup-dir DIR [--backup-every 24h] [--backup-keep 14]]
                     [--accept-signature-v1]   (also take points' old sync signatures, each audited)
                     [--calendar FILE]   (working days: holidays and working weekends, as docs/calendar-2026.json)
                     [--database postgres://…]   (the hub's database on PostgreSQL; several hubs may share it)
  budgetpoint user add     --data DIR --name NAME --role admin|staff|deputy|committee|unit [--unit-id ID] [--database URL]
  budgetpoint user password --data DIR --name NAME [--database URL]   (a new password from stdin, or generated and to be changed at the next sign-in)
  budgetpoint token create --data DIR --user NAME [--expires 365d] [--database URL]
  budgetpoint token list   --data DIR --user NAME [--database URL]
  budgetpoint token revoke --data DIR --id ID [--database URL]
  budgetpoint backup       --data DIR --out FILE
  budgetpoint restore      --from FILE --data DIR   (while no server uses DIR)
  budgetpoint audit verify --data DIR [--archive FILE]... [--database URL]   (exit 0: the audit chain is whole; 1: where it breaks)
  budgetpoint audit archive --data DIR --before YYYY-MM-DD --out FILE [--database URL]   (entries before the date, China time, at least 180 days old)
Every flag can also be set as BUDGETPOINT_<FLAG> (--hub-secret → BUDGETPOINT_HUB_SECRET);
--trusted-proxy may be repeated, or given as BUDGETPOINT_TRUSTED_PROXY=10.0.0.1,10.0.1.0/24.`

// run is the whole program: it takes its arguments, environment and output
// so that tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usage("缺少子命令 / missing subcommand\n%s", usageText)
	}
	// What the command line changes is audited as the system's.
	ctx = models.WithActor(ctx, models.Actor{User: "cli", Role: "system"})
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout)
	case "hub":
		return runHub(ctx, args[1:], getenv, stdout)
	case "user":
		switch {
		case len(args) >= 2 && args[1] == "add":
			return runUserAdd(ctx, args[2:], getenv, stdin, stdout)
		case len(args) >= 2 && args[1] == "password":
			return runUserPassword(ctx, args[2:], getenv, stdin, stdout)
		}
		return usage("应为 user add|password / expected: user add|password\n%s", usageText)
	case "token":
		switch {
		case len(args) >= 2 && args[1] == "create":
			return runTokenCreate(ctx, args[2:], getenv, stdout)
		case len(args) >= 2 && args[1] == "list":
			return runTokenList(ctx, args[2:], getenv, stdout)
		case len(args) >= 2 && args[1] == "revoke":
			return runTokenRevoke(ctx, args[2:], getenv, stdout)
		}
		return usage("应为 token create|list|revoke / expected: token create|list|revoke\n%s", usageText)
	case "backup":
		return runBackup(ctx, args[1:], getenv, stdout)
	case "restore":
		return runRestore(ctx, args[1:], getenv, stdout)
	case "audit":
		switch {
		case len(args) >= 2 && args[1] == "verify":
			return runAuditVerify(ctx, args[2:], getenv, stdout)
		case len(args) >= 2 && args[1] == "archive":
			return runAuditArchive(ctx, args[2:], getenv, stdout)
		}
		return usage("应为 audit verify|archive / expected: audit verify|archive\n%s", usageText)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usageText)
		return nil
	}
	return usage("未知子命令 %q / unknown subcommand %q\n%s", args[0], args[0], usageText)
}

// parseFlags parses args, then fills every flag not given from BUDGETPOINT_<FLAG>.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usage("参数错误 / bad flag: %v\n%s", err, usageText)
	}
	if fs.NArg() > 0 {
		return usage("多余的参数 / unexpected argument %q\n%s", fs.Arg(0), usageText)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := "BUDGETPOINT_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = usage("环境变量 %s 无效 / bad %s: %v", env, env, e)
			}
		}
	})
	return err
}

// openData opens a contact point's data directory.
func openData(dir, keyFile string) (*db.DB, error) {
	d, err := db.OpenPoint(dir, keyFile)
	if err != nil {
		return nil, usageError{err}
	}
	return d, nil
}

// openCLIData is openAnyData, or the hub's database on PostgreSQL when
// addr (--database) is given.
func openCLIData(ctx context.Context, dir, addr string, pointTables bool) (*db.DB, error) {
	if addr != "" {
		return openHubDB(ctx, dir, addr)
	}
	return openAnyData(dir, pointTables)
}

// openAnyData opens a data directory for the CLI: a hub's as the hub's, a
// point's as a point's, and one whose server has not started yet with the
// accounts tables only (pointTables: as a point's, for a deputy's login).
func openAnyData(dir string, pointTables bool) (*db.DB, error) {
	names, err := db.StoredSchemas(dir)
	if err != nil {
		return nil, usageError{err}
	}
	for _, n := range names {
		switch n {
		case hub.Schema().Name:
			if pointTables {
				return nil, usage("汇总端的数据目录没有人大代表名册，不能用 --deputy-id / the hub's data directory keeps no deputies registry: --deputy-id does not apply")
			}
			return openHubData(dir)
		case "point":
			// The command line needs no deputy's contact details.
			d, err := db.OpenPointWithoutKey(dir)
			if err != nil {
				return nil, usageError{err}
			}
			return d, nil
		}
	}
	if pointTables {
		d, err := db.OpenPointWithoutKey(dir)
		if err != nil {
			return nil, usageError{err}
		}
		return d, nil
	}
	d, err := db.OpenAccounts(dir)
	if err != nil {
		return nil, usageError{err}
	}
	return d, nil
}

// onLoopback reports whether addr (host:port) listens on the loopback
// address only: 127.0.0.0/8, ::1 or localhost. An empty host (":8080") is
// every address, not loopback.
func onLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && loopbackHost(host)
}

// loopbackHost reports whether host is 127.0.0.0/8, ::1 or localhost.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// demoOnLoopback refuses --demo on an address that others can reach: the
// demo logins have known passwords.
func demoOnLoopback(addr string) error {
	if onLoopback(addr) {
		return nil
	}
	return usage("--demo 只能监听本机回环地址（127.0.0.1、::1、localhost），不能是 %q：演示账号的密码是公开的 / --demo listens on the loopback address only (127.0.0.1, ::1, localhost), not %q: the demo logins have known passwords", addr, addr)
}

// tlsFiles are a server's --tls-cert and --tls-key.
type tlsFiles struct{ cert, key *string }

// tlsFlags adds --tls-cert and --tls-key to a server's flags.
func tlsFlags(fs *flag.FlagSet) tlsFiles {
	return tlsFiles{
		cert: fs.String("tls-cert", "", "PEM certificate (chain) file: serve HTTPS only"),
		key:  fs.String("tls-key", "", "PEM private key file of --tls-cert"),
	}
}

// load checks that both files or neither are given, and loads the pair:
// nil without them (plain HTTP), else the TLS configuration (TLS 1.2 at least).
func (f tlsFiles) load() (*tls.Config, error) {
	switch {
	case *f.cert == "" && *f.key == "":
		return nil, nil
	case *f.key == "":
		return nil, usage("--tls-cert 需要同时给出 --tls-key / --tls-cert needs --tls-key too")
	case *f.cert == "":
		return nil, usage("--tls-key 需要同时给出 --tls-cert / --tls-key needs --tls-cert too")
	}
	pair, err := tls.LoadX509KeyPair(*f.cert, *f.key)
	if err != nil {
		return nil, usage("无法载入证书 %s 和私钥 %s / cannot load the certificate %s with the key %s: %v", *f.cert, *f.key, *f.cert, *f.key, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// loadHubCA reads --hub-ca: nil without it (the system's roots), else a
// pool of the file's certificates, which are then the only CAs trusted for
// the hub, so that a hub with a private CA is pinned to it. It needs an
// https:// hub, and a file that holds one certificate at least, each whole.
func loadHubCA(file, hub string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	if !strings.HasPrefix(strings.ToLower(hub), "https://") {
		return nil, usage("--hub-ca 需要 https:// 的 --hub / --hub-ca needs an https:// --hub")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, usage("无法读取 --hub-ca 文件 %s / cannot read the --hub-ca file %s: %v", file, file, err)
	}
	pool, n, err := certPool(b)
	if err != nil || n == 0 {
		if err == nil {
			err = errors.New("no PEM CERTIFICATE block")
		}
		return nil, usage("--hub-ca 文件 %s 中没有可用的证书 / the --hub-ca file %s holds no usable certificate: %v", file, file, err)
	}
	return pool, nil
}

// certPool parses every CERTIFICATE block of PEM data (other blocks are
// skipped) and returns them as a pool, with how many there were.
func certPool(b []byte) (*x509.CertPool, int, error) {
	pool := x509.NewCertPool()
	n := 0
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return pool, n, nil
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, n, fmt.Errorf("certificate %d: %w", n+1, err)
		}
		pool.AddCert(c)
		n++
	}
}

// proxyList is --trusted-proxy: repeatable, and each value may list several
// CIDRs or IP addresses separated by commas (as BUDGETPOINT_TRUSTED_PROXY does).
type proxyList []netip.Prefix

func (l *proxyList) String() string {
	var s []string
	for _, p := range *l {
		s = append(s, p.String())
	}
	return strings.Join(s, ",")
}

func (l *proxyList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		p, err := handlers.ParseProxy(part)
		if err != nil {
			return fmt.Errorf("--trusted-proxy 应为 CIDR（10.0.0.0/8）或 IP 地址，得到 %q / --trusted-proxy must be a CIDR (10.0.0.0/8) or an IP address, got %q", part, part)
		}
		*l = append(*l, p)
	}
	return nil
}

// proxyFlag adds --trusted-proxy to a server's flags.
func proxyFlag(fs *flag.FlagSet) *[]netip.Prefix {
	l := &proxyList{}
	fs.Var(l, "trusted-proxy", "CIDR or IP of a reverse proxy whose X-Forwarded-For and X-Forwarded-Proto are believed (repeatable)")
	return (*[]netip.Prefix)(l)
}

// hsts tells browsers to come back over HTTPS only, for a year.
func hsts(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		h.ServeHTTP(w, r)
	})
}

// serveHTTP serves h on addr until ctx ends, then lets requests in flight
// finish. With tlsConf it serves HTTPS only, every answer with HSTS.
func serveHTTP(ctx context.Context, addr string, h http.Handler, tlsConf *tls.Config, log *slog.Logger, stdout io.Writer, what string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usage("无法监听 %s / cannot listen on %s: %v", addr, addr, err)
	}
	scheme := "http"
	if tlsConf != nil {
		scheme = "https"
		h = hsts(h)
	}
	srv := &http.Server{Handler: h, TLSConfig: tlsConf, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 10 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	fmt.Fprintf(stdout, "%s: %s://%s\n", what, scheme, ln.Addr())
	errc := make(chan error, 1)
	go func() {
		if tlsConf != nil {
			errc <- srv.ServeTLS(ln, "", "") // the pair is in TLSConfig
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// ensureAdmin creates an admin with a generated password, printed once,
// when there is none (even if other logins were made first). Processes
// starting at once on new data make one admin between them: the check and
// the creation are one write transaction.
func ensureAdmin(ctx context.Context, d *db.DB, stdout io.Writer) error {
	users, err := d.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Role == "admin" {
			return nil // the usual start: no password to hash
		}
	}
	pw := db.NewPassword("admin")
	created, err := d.CreateAdminIfNone(ctx, "admin", pw)
	if err != nil || !created {
		return err
	}
	fmt.Fprintf(stdout, "已创建管理员 / created the first admin: user admin, password %s (只显示这一次 / shown only this once)\n", pw)
	return nil
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	data := fs.String("data", "./data", "data directory")
	pointID := fs.String("point-id", "hongta", "this contact point's id")
	hub := fs.String("hub", "", "committee hub URL")
	hubSecret := fs.String("hub-secret", "", "this point's shared secret with the hub")
	hubInsecure := fs.Bool("hub-insecure", false, "allow a plain http:// --hub that is not on the loopback address")
	hubCA := fs.String("hub-ca", "", "PEM file of the CA certificate(s) trusted for an https:// --hub, instead of the system's")
	interval := fs.Duration("sync-interval", 30*time.Second, "how often to push and pull")
	withDemo := fs.Bool("demo", false, "load demo content")
	keyFile := fs.String("key-file", "", "the key of the deputies' contact details (default: DATA/keys/deputies.key, made at the first start)")
	lockout := lockoutFlags(fs)
	idle := sessionIdleFlag(fs)
	tlsF := tlsFlags(fs)
	proxies := proxyFlag(fs)
	backups := addBackupFlags(fs)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (pprof) of the whole run to this file, for docs/performance.md")
	memProfile := fs.String("memprofile", "", "write the allocations (pprof) of the whole run to this file when the server stops")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	tlsConf, err := tlsF.load()
	if err != nil {
		return err
	}
	if err := backups.check(*data); err != nil {
		return err
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if *memProfile != "" {
		defer writeAllocs(*memProfile, slog.Default())
	}
	if *withDemo {
		if err := demoOnLoopback(*addr); err != nil {
			return err
		}
	}
	if err := checkLockout(lockout); err != nil {
		return err
	}
	if err := checkSessionIdle(*idle); err != nil {
		return err
	}
	if !models.ValidID(*pointID) {
		return usage("联系点编号无效 / bad --point-id %q", *pointID)
	}
	if *hub != "" && *hubSecret == "" {
		return usage("设置了 --hub 就需要 --hub-secret / --hub needs --hub-secret")
	}
	if *interval < time.Second {
		return usage("--sync-interval 至少 1s / --sync-interval must be at least 1s")
	}
	if *hub != "" {
		u, err := url.Parse(*hub)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return usage("--hub 应为 http(s)://主机[:端口] / --hub must be an http(s)://host[:port] URL, got %q", *hub)
		}
		if u.Scheme == "http" && !loopbackHost(u.Hostname()) && !*hubInsecure {
			return usage("--hub %s 不是 https://：与汇总端之间的数据和签名会以明文经过网络；请用 https://，确属可信网络时加 --hub-insecure / --hub %s is not https://: the data and signatures sent to the hub would cross the network in clear; use https://, or add --hub-insecure on a network you trust", *hub, *hub)
		}
	}
	hubRoots, err := loadHubCA(*hubCA, *hub)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("point", *pointID)
	d, err := openData(*data, *keyFile)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := ensureAdmin(ctx, d, stdout); err != nil {
		return err
	}
	if *withDemo {
		if err := demo.Load(ctx, d, *pointID, stdout); err != nil {
			return fmt.Errorf("载入演示数据失败 / loading demo content: %w", err)
		}
	}

	// The parts of a contact point, each handed what it needs.
	s := handlers.NewServer(d, handlers.Config{PointID: *pointID, Log: log, BodyLimits: web.BodyLimits(), Lockout: *lockout, SessionIdle: *idle, TrustedProxies: *proxies})
	sy := syncer.New(d, syncer.Config{Hub: *hub, Secret: *hubSecret, PointID: *pointID,
		Interval: *interval, RootCAs: hubRoots, Log: log.With("part", "sync")})
	pages, err := web.New(s, sy)
	if err != nil {
		return err
	}
	r := s.Router(handlers.APIs{Sync: sy.NewAPI(s)}) // every API route (handlers/routes.go)
	pages.Routes(r)                                  // the pages (web/web.go)
	if sy.Enabled() {
		log.Info("sync with the hub", "hub", *hub, "interval", *interval)
		go sy.Run(ctx)
	}
	stopBackups, err := startBackups(ctx, backups, *pointID, d, log, stdout)
	if err != nil {
		return err
	}
	defer stopBackups() // before d.Close: a backup under way ends first
	go logAuditAnchors(ctx, d, log)
	debug.FreeOSMemory()
	return serveHTTP(ctx, *addr, r, tlsConf, log, stdout, "联系点 "+*pointID+" / contact point")
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, usage("无法写 CPU 剖析文件 / cannot write the CPU profile: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeAllocs writes the allocation profile of the run so far into path.
func writeAllocs(path string, log *slog.Logger) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		log.Error("memory profile", "err", err)
	}
}

// lockoutFlags adds --lockout-after and --lockout-for to a server's flags.
func lockoutFlags(fs *flag.FlagSet) *db.Lockout {
	l := db.DefaultLockout
	fs.IntVar(&l.After, "lockout-after", l.After, "failed sign-ins in a row that lock a login")
	fs.DurationVar(&l.For, "lockout-for", l.For, "how long a login stays locked")
	return &l
}

// sessionIdleFlag adds --session-idle to a server's flags.
func sessionIdleFlag(fs *flag.FlagSet) *time.Duration {
	return fs.Duration("session-idle", db.DefaultSessionIdle, "a session unused for this long ends (at most db.SessionTTL in any case)")
}

func checkSessionIdle(d time.Duration) error {
	if d < time.Minute {
		return usage("--session-idle 至少 1m / --session-idle must be at least 1m")
	}
	return nil
}

func checkLockout(l *db.Lockout) error {
	if l.After < 1 || l.For < time.Second {
		return usage("--lockout-after 至少 1，--lockout-for 至少 1s / --lockout-after must be at least 1 and --lockout-for at least 1s")
	}
	return nil
}

func runUserAdd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	database := databaseFlag(fs)
	name := fs.String("name", "", "user name")
	role := fs.String("role", "", "admin|staff|deputy|committee|unit")
	deputy := fs.String("deputy-id", "", "for a deputy: their id in the registry")
	unit := fs.String("unit-id", "", "for a unit login (at the hub): its unit's id")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *name == "" || !models.In(*role, []string{"admin", "staff", "deputy", "committee", "unit"}) {
		return usage("需要 --name 和 --role admin|staff|deputy|committee|unit / --name and --role admin|staff|deputy|committee|unit are required")
	}
	if (*role == "unit") != (*unit != "") {
		return usage("承办单位的账号（--role unit）须用 --unit-id 指定其单位，其他账号不用 / a unit login (--role unit) needs --unit-id, and only it takes one")
	}
	pw, generated, err := passwordFrom(stdin, *name)
	if err != nil {
		return err
	}
	if err := checkDatabase(*database); err != nil {
		return err
	}
	if *database != "" && *deputy != "" {
		return usage("汇总端没有人大代表名册，不能用 --deputy-id / the hub keeps no deputies registry: --deputy-id does not apply")
	}
	d, err := openCLIData(ctx, *data, *database, *deputy != "")
	if err != nil {
		return err
	}
	defer d.Close()
	if *unit != "" {
		ok, err := hub.NewStore(d, slog.New(slog.NewTextHandler(io.Discard, nil))).UnitExists(ctx, *unit)
		if err != nil {
			return usage("承办单位只在汇总端：%s 不是汇总端的数据目录 / units are kept at the hub: %s is not a hub's data directory (%v)", *data, *data, err)
		}
		if !ok {
			return usage("没有承办单位 %s：先在汇总端新增（POST /api/v1/committee/units） / no unit %s: add it at the hub first (POST /api/v1/committee/units)", *unit, *unit)
		}
	}
	// A generated password is handed to its person, who must change it.
	if _, err := d.CreateLogin(ctx, db.NewLogin{Name: *name, Role: *role, Password: pw, DeputyID: *deputy, UnitID: *unit, MustChange: generated}); err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(stdout, "已创建用户 / created user %s (%s), password: %s (首次登录时须修改 / to be changed at the first sign-in)\n", *name, *role, pw)
	} else {
		fmt.Fprintf(stdout, "已创建用户 / created user %s (%s)\n", *name, *role)
	}
	return nil
}

// passwordFrom reads a password from the first line of stdin (not from a
// terminal), or generates one when there is none; either must pass the
// password rule of the login name (checked before any data is opened).
func passwordFrom(stdin io.Reader, name string) (pw string, generated bool, err error) {
	if f, ok := stdin.(*os.File); !ok || !isTerminal(f) {
		if stdin != nil {
			line, _ := bufio.NewReader(stdin).ReadString('\n')
			pw = strings.TrimRight(line, "\r\n")
		}
	}
	if pw == "" {
		return db.NewPassword(name), true, nil
	}
	if msg := models.PasswordProblem(name, pw); msg != "" {
		return "", false, usage("%s", msg)
	}
	return pw, false, nil
}

// runUserPassword sets a new password for a login from the machine itself
// (for an admin who forgot theirs, or to set the first admin's): read from
// stdin (chosen by the person at the machine, kept) or generated (to be
// changed at the next sign-in); the login's sessions and tokens end.
func runUserPassword(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("user password", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	database := databaseFlag(fs)
	name := fs.String("name", "", "user name")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *name == "" {
		return usage("需要 --name / --name is required")
	}
	pw, generated, err := passwordFrom(stdin, *name)
	if err != nil {
		return err
	}
	if err := checkDatabase(*database); err != nil {
		return err
	}
	d, err := openCLIData(ctx, *data, *database, false)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := d.UserByName(ctx, *name)
	if err != nil {
		return err
	}
	if _, err := d.ResetPassword(ctx, u.ID, pw, generated); err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(stdout, "已重设 %s 的密码 / new password of %s: %s (下次登录时须修改 / to be changed at the next sign-in)\n", *name, *name, pw)
	} else {
		fmt.Fprintf(stdout, "已设置 %s 的新密码 / new password of %s set\n", *name, *name)
	}
	return nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runTokenCreate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	database := databaseFlag(fs)
	user := fs.String("user", "", "user name")
	expires := fs.String("expires", "365d", "how long the token lasts: Nd (days) or a Go duration (12h)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *user == "" {
		return usage("需要 --user / --user is required")
	}
	ttl, err := parseLifetime(*expires)
	if err != nil {
		return err
	}
	if err := checkDatabase(*database); err != nil {
		return err
	}
	d, err := openCLIData(ctx, *data, *database, false)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := d.UserByName(ctx, *user)
	if err != nil {
		return err
	}
	switch {
	case u.Disabled:
		return usage("%s 已停用，它的令牌不能使用 / %s is disabled: its tokens would not work", *user, *user)
	case u.MustChangePassword:
		// Its token would get 403 everywhere until the password is changed.
		return usage("%s 须先修改初始或重设的密码：登录网页修改，或在本机运行 budgetpoint user password --data %s --name %s / %s must first change its generated or reset password: sign in and change it, or run budgetpoint user password --data %s --name %s here",
			*user, *data, *user, *user, *data, *user)
	}
	tok, _, err := d.CreateAPIToken(ctx, u.ID, ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// parseLifetime reads --expires: N days as "Nd", or a Go duration; it must be positive.
func parseLifetime(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		if err == nil && days > 1<<20 {
			err = errors.New("too long")
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, usage("--expires 应为正的天数（90d）或时长（12h），得到 %q / --expires must be a positive number of days (90d) or a duration (12h), got %q", s, s)
	}
	return d, nil
}

// runTokenList lists a login's tokens, without their secrets.
func runTokenList(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token list", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	database := databaseFlag(fs)
	user := fs.String("user", "", "user name")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *user == "" {
		return usage("需要 --user / --user is required")
	}
	if err := checkDatabase(*database); err != nil {
		return err
	}
	d, err := openCLIData(ctx, *data, *database, false)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := d.UserByName(ctx, *user)
	if err != nil {
		return err
	}
	when := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Format(time.RFC3339)
	}
	fmt.Fprintln(stdout, "id\tkind\tcreated_at\texpires_at\tlast_used_at\trevoked")
	for after := int64(0); ; {
		page, more, err := d.ListTokens(ctx, u.ID, after, 500)
		if err != nil {
			return err
		}
		for _, t := range page {
			fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\t%s\t%t\n", t.ID, t.Kind, t.CreatedAt.Format(time.RFC3339), when(t.ExpiresAt), when(t.LastUsedAt), t.Revoked)
			after = t.ID
		}
		if !more {
			return nil
		}
	}
}

// runTokenRevoke revokes a token by id, whoever it belongs to.
func runTokenRevoke(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	database := databaseFlag(fs)
	id := fs.Int64("id", 0, "token id (token list shows them)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *id < 1 {
		return usage("需要 --id / --id is required")
	}
	if err := checkDatabase(*database); err != nil {
		return err
	}
	d, err := openCLIData(ctx, *data, *database, false)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.RevokeToken(ctx, *id, 0, true); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已吊销令牌 / revoked token %d\n", *id)
	return nil
}

func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	out := fs.String("out", "", "backup file")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *out == "" {
		return usage("需要 --out / --out is required")
	}
	if err := db.Backup(*data, *out); err != nil {
		return err
	}
	// Every backup is audited (as the command line's), in the database backed up.
	d, err := openAnyData(*data, false)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Audit(ctx, "backup", "file", *out, models.AuditOK, nil); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已备份到 / backed up to %s\n", *out)
	return nil
}

func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	from := fs.String("from", "", "backup file")
	data := fs.String("data", "", "data directory to restore into")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *from == "" || *data == "" {
		return usage("需要 --from 和 --data / --from and --data are required")
	}
	res, err := db.Restore(ctx, *from, *data)
	if errors.Is(err, db.ErrRestoreRefused) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	kind := "accounts only"
	for _, s := range res.Schemas {
		if s != "accounts" {
			kind = s
		}
	}
	fmt.Fprintf(stdout, "已从 %s 恢复到 %s（%s）/ restored %s into %s (%s)\n", *from, *data, kind, *from, *data, kind)
	if res.Aside != "" {
		fmt.Fprintf(stdout, "原数据库保留为 / the database that was there is kept as %s\n", res.Aside)
	}
	fmt.Fprintf(stdout, "新的实例编号 / new instance id: %s (backup's: %s)\n", res.Instance, orNone(res.Previous))
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func runAuditVerify(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	database := databaseFlag(fs)
	var archives, expects fileList
	fs.Var(&archives, "archive", "an archive file to verify too (may be repeated)")
	fs.Var(&expects, "expect", "SEQ:HASH printed by an earlier verify, or logged by the server: entry SEQ must still have HASH (may be repeated)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	var anchors []db.AuditAnchor
	for _, e := range expects {
		a, err := db.ParseAuditAnchor(e)
		if err != nil {
			return usage("--expect: %v", err)
		}
		anchors = append(anchors, a)
	}
	if err := checkDatabase(*database); err != nil {
		return err
	}
	if *database != "" {
		return verifyHubAudit(ctx, *database, len(archives) > 0, anchors, stdout)
	}
	if _, err := os.Stat(filepath.Join(*data, db.FileName)); err != nil {
		return usage("找不到数据库 / no database in %s", *data)
	}
	for _, f := range archives {
		if _, err := os.Stat(f); err != nil {
			return usage("找不到归档文件 / no archive file %s", f)
		}
	}
	n, brk, err := db.VerifyAudit(ctx, *data)
	if err != nil {
		return err
	}
	if brk != nil {
		// Exit status 1 (not a usage error), naming the entry.
		return fmt.Errorf("审计日志在第 %d 条处断开 / the audit chain breaks at entry %d: %s", brk.Seq, brk.Seq, brk.Reason)
	}
	points, err := db.AuditArchives(ctx, *data)
	if err != nil {
		return err
	}
	if len(points) == 0 {
		fmt.Fprintf(stdout, "审计日志完整，共 %d 条 / the audit chain is whole: %d entries\n", n, n)
	} else {
		k := points[len(points)-1].ToSeq
		fmt.Fprintf(stdout, "审计日志完整，检查了 %d 条，第 1 至 %d 条已归档 / the audit chain is whole: %d entries checked, entries 1..%d archived\n", n, k, n, k)
		for _, p := range points {
			at := p.At.In(db.CST).Format(time.DateTime)
			fmt.Fprintf(stdout, "  第 %d 至 %d 条归档到 %s（%s）/ entries %d..%d archived to %s at %s (China time)\n", p.FromSeq, p.ToSeq, p.File, at, p.FromSeq, p.ToSeq, p.File, at)
		}
	}
	for _, f := range archives {
		if err := verifyArchiveFile(ctx, *data, f, stdout); err != nil {
			return err
		}
	}
	return checkAnchors(ctx, *data, anchors, stdout)
}

// auditAnchorEvery is how often a server logs the newest audit entry.
const auditAnchorEvery = 24 * time.Hour

// logAuditAnchors logs the newest audit entry at start and every day, until
// ctx ends: a log kept on another machine (syslog, a forwarded journal) then
// holds anchors for `audit verify --expect`.
func logAuditAnchors(ctx context.Context, d *db.DB, log *slog.Logger) {
	for {
		if a, err := d.AuditHead(ctx); err != nil {
			log.Error("audit anchor", "err", err)
		} else if a.Seq > 0 {
			log.Info("audit anchor (keep for audit verify --expect)", "anchor", a.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(auditAnchorEvery):
		}
	}
}

// checkAnchors checks the anchors given with --expect, then prints the
// newest entry's, to be kept somewhere else.
func checkAnchors(ctx context.Context, data string, anchors []db.AuditAnchor, stdout io.Writer) error {
	brk, err := db.CheckAuditAnchors(ctx, data, anchors)
	if err != nil {
		return err
	}
	if brk != nil {
		return fmt.Errorf("审计日志在第 %d 条处与保存的不符 / the audit log differs at entry %d from what was kept: %s", brk.Seq, brk.Seq, brk.Reason)
	}
	if len(anchors) > 0 {
		fmt.Fprintf(stdout, "%d 个保存的锚点都相符 / the %d anchors kept elsewhere match\n", len(anchors), len(anchors))
	}
	d, err := db.OpenAccounts(data)
	if err != nil {
		return err
	}
	defer d.Close()
	head, err := d.AuditHead(ctx)
	if err != nil || head.Seq == 0 {
		return err
	}
	fmt.Fprintf(stdout, "最新一条 / newest entry: %s\n（请把这一行另外保存；以后用 audit verify --expect %s 可查出此前的条目是否被整体改写 / keep this line elsewhere: audit verify --expect %s later shows whether any entry up to it was rewritten）\n", head, head, head)
	return nil
}

// verifyArchiveFile checks one archive file against the database of data.
func verifyArchiveFile(ctx context.Context, data, file string, stdout io.Writer) error {
	n, brk, err := db.VerifyAuditArchive(ctx, data, file)
	if err != nil {
		return err
	}
	if brk != nil {
		return fmt.Errorf("归档文件 %s 在第 %d 条处断开 / the archive %s breaks at entry %d: %s", file, brk.Seq, file, brk.Seq, brk.Reason)
	}
	fmt.Fprintf(stdout, "归档文件 %s 完整，共 %d 条 / the archive %s is whole: %d entries\n", file, n, file, n)
	return nil
}

// fileList is a flag that may be repeated.
type fileList []string

func (l *fileList) String() string { return strings.Join(*l, ",") }

func (l *fileList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func runAuditArchive(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("audit archive", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	database := databaseFlag(fs)
	beforeS := fs.String("before", "", "archive the entries before this date (YYYY-MM-DD, China time)")
	out := fs.String("out", "", "the archive file to make (never overwritten)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *out == "" || *beforeS == "" {
		return usage("需要 --before 和 --out / --before and --out are required")
	}
	before, err := time.ParseInLocation(time.DateOnly, *beforeS, db.CST)
	if err != nil {
		return usage("--before 应为 YYYY-MM-DD / --before is a date, YYYY-MM-DD: %q", *beforeS)
	}
	if err := checkDatabase(*database); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*data, db.FileName)); err != nil && *database == "" {
		return usage("找不到数据库 / no database in %s", *data)
	}
	d, err := openCLIData(ctx, *data, *database, false)
	if err != nil {
		return err
	}
	defer d.Close()
	a, err := d.ArchiveAudit(ctx, before, *out)
	if errors.Is(err, db.ErrArchiveRefused) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if a == nil {
		fmt.Fprintf(stdout, "%s 之前没有未归档的条目 / no entries before %s left to archive\n", *beforeS, *beforeS)
		return nil
	}
	fmt.Fprintf(stdout, "已将第 %d 至 %d 条（%d 条）归档到 %s / archived entries %d..%d (%d) to %s\n",
		a.FromSeq, a.ToSeq, a.Entries, a.File, a.FromSeq, a.ToSeq, a.Entries, a.File)
	return nil
}

// verifyHubAudit is audit verify of the hub's database on PostgreSQL: the
// chain and the anchors (archives are a SQLite hub's, from its data
// directory).
func verifyHubAudit(ctx context.Context, addr string, archives bool, anchors []db.AuditAnchor, stdout io.Writer) error {
	if archives {
		return usage("--archive 只用于数据目录中的 SQLite 库 / --archive is for a SQLite database in a data directory")
	}
	d, err := openHubDB(ctx, "", addr)
	if err != nil {
		return err
	}
	defer d.Close()
	n, brk, err := d.VerifyAuditChain(ctx)
	if err != nil {
		return err
	}
	if brk == nil {
		brk, err = d.CheckAnchors(ctx, anchors)
		if err != nil {
			return err
		}
	}
	if brk != nil {
		return fmt.Errorf("审计日志在第 %d 条处断开 / the audit chain breaks at entry %d: %s", brk.Seq, brk.Seq, brk.Reason)
	}
	fmt.Fprintf(stdout, "审计日志完整，共 %d 条 / the audit chain is whole: %d entries\n", n, n)
	return nil
}
