// Package check holds the grammars of a configuration's string settings:
// storage and source URLs, glob patterns, durations ("7d"), cron
// schedules, alias names and required_version constraints, and where a
// module's source leads (module.go), and which URLs overlap what mlform
// itself writes (places.go). Errors are worded for a diagnostic;
// config adds the position.
package check

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/robfig/cron/v3"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/relpath"
)

// BlobURL accepts a URL whose scheme names a bucket driver mlform has.
// Messages show the URL with credentials removed.
func BlobURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return errors.New("the URL is empty")
	}
	if !strings.Contains(raw, "://") {
		return fmt.Errorf("%q is not a URL: use a blob URL such as file://%s (schemes: %s)", bloburl.Redact(raw), strings.TrimPrefix(raw, "./"), strings.Join(bloburl.Schemes(), ", "))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a valid URL", bloburl.Redact(raw))
	}
	if !bloburl.SupportedScheme(u.Scheme) {
		return fmt.Errorf("unsupported URL scheme %q in %q: mlform supports %s", u.Scheme, bloburl.Redact(raw), strings.Join(bloburl.Schemes(), ", "))
	}
	if u.Scheme != "file" && u.Scheme != "mem" && u.Host == "" {
		return fmt.Errorf("%q names no bucket: write %s://BUCKET/prefix", bloburl.Redact(raw), u.Scheme)
	}
	if u.Scheme == "file" && strings.TrimPrefix(raw, "file://") == "" {
		return errors.New("file:// names no directory: write file://PATH")
	}
	// The key prefix rules (path or prefix=, not both; no "..") are
	// bloburl.Parse's, checked here so the error points at the configuration.
	if _, err := bloburl.Parse(raw); err != nil {
		return err
	}
	// A parameter the driver does not know fails only when the bucket
	// opens, at plan; here the error points at the configuration.
	return bloburl.UnknownParam(raw)
}

// Source accepts a dataset source: a local path or a blob URL prefix.
func Source(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return errors.New("the source is empty: give a directory, a file or a blob URL prefix")
	}
	if strings.Contains(raw, "://") {
		return BlobURL(raw)
	}
	if bad := unprintable(raw); bad != "" {
		return fmt.Errorf("the source %q %s: no file mlform snapshots can have one in its path (a heredoc ends with a newline: write the path in quotes)", raw, bad)
	}
	return nil
}

// unprintable says what is wrong with a path that holds a control character
// (newline, tab, ESC) or is not UTF-8: such a path names nothing mlform
// would snapshot (internal/relpath refuses such names), so a setting holding
// one can only be a mistake; "" when there is none.
func unprintable(p string) string {
	if !utf8.ValidString(p) {
		return "is not valid UTF-8"
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f {
			return "contains a control character"
		}
	}
	return ""
}

// Glob accepts a doublestar pattern relative to its root: absolute
// patterns and ".." segments would reach outside it.
func Glob(p string) error {
	if p == "" {
		return errors.New("the pattern is empty")
	}
	if bad := unprintable(p); bad != "" {
		return fmt.Errorf("%q %s, which no file name matched by a pattern may hold", p, bad)
	}
	if !doublestar.ValidatePattern(p) {
		return fmt.Errorf("%q is not a valid glob pattern (check brackets and braces)", p)
	}
	if err := globPath(p, p); err != nil {
		return err
	}
	// Each brace alternative is a pattern of its own ("{./a,b}" is "./a"
	// and "b"), held to the same rules: "{../x,y}" reaches outside too.
	alts, err := relpath.ExpandGlob(p)
	if err != nil {
		return fmt.Errorf("%q: %v", p, err)
	}
	for _, a := range alts {
		if err := globPath(p, a); err != nil {
			return err
		}
	}
	return nil
}

// globPath refuses pattern p when a (p itself or one of its brace
// alternatives) is absolute or reaches outside its root, or (an
// alternative) is empty.
func globPath(p, a string) error {
	which := ""
	if a != p {
		which = fmt.Sprintf(" (its alternative %q)", a)
	}
	if a == "" {
		return fmt.Errorf("%q has an empty alternative, which matches no file", p)
	}
	if path.IsAbs(a) || strings.HasPrefix(a, `\`) || (len(a) > 1 && a[1] == ':') {
		return fmt.Errorf("%q is absolute%s: patterns are relative to the working directory or the dataset source", p, which)
	}
	for _, seg := range strings.Split(a, "/") {
		if seg == ".." {
			return fmt.Errorf("%q uses \"..\"%s: a pattern may not reach outside its root", p, which)
		}
	}
	return nil
}

// ParseDuration reads a duration: a Go duration ("30m", "1h30m", "168h")
// optionally preceded by whole days ("7d", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration: use a number with a unit such as 30m, 6h or 7d")
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseUint(s[:i], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: days must be a whole number, like 7d", orig)
		}
		days = time.Duration(n) * 24 * time.Hour
		if days/(24*time.Hour) != time.Duration(n) || n > 100000 {
			return 0, fmt.Errorf("invalid duration %q: too long", orig)
		}
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		// Go gives one message for "6 hours" and for a well-formed but
		// overflowing "99999999999999999999h"; only the first lacks a unit.
		if goDuration.MatchString(s) {
			return 0, fmt.Errorf("invalid duration %q: too long", orig)
		}
		return 0, fmt.Errorf("invalid duration %q: use a number with a unit (s, m, h, d), like 30m, 6h or 7d", orig)
	}
	if d < 0 && days > 0 {
		return 0, fmt.Errorf("invalid duration %q: mixed signs", orig)
	}
	if days > 0 && days+d < days {
		return 0, fmt.Errorf("invalid duration %q: too long", orig)
	}
	return days + d, nil
}

// Cron accepts a five-field cron expression or a descriptor such as
// @daily, optionally preceded by CRON_TZ=Zone.
func Cron(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("the schedule is empty")
	}
	if _, err := ParseCron(s); err != nil {
		var never neverDueError
		if errors.As(err, &never) {
			return err
		}
		return fmt.Errorf("invalid cron expression %q: %v (want five fields \"minute hour day-of-month month day-of-week\", like \"0 3 * * 1\", or a descriptor such as @daily)", s, err)
	}
	return nil
}

// neverDueError is a well-formed schedule no time matches.
type neverDueError struct{ expr string }

func (e neverDueError) Error() string {
	return fmt.Sprintf("schedule %q is never due: no date matches it (a day its month does not have?)", e.expr)
}

// cronEpoch is where ParseCron looks for a schedule's first time: the
// library searches five years ahead, so every day a calendar has (29
// February included) is found from any start.
var cronEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ParseCron parses a five-field cron expression or a descriptor (@daily,
// @every 1h) with an optional "CRON_TZ=Zone " (or "TZ=Zone ") prefix, in
// UTC without one so a schedule means the same on every machine. It is the
// one grammar of a retrain policy's schedule: validate and plan both read
// it here. The zone prefix is taken apart before the library sees it (the
// library indexes past a missing space and panics on "CRON_TZ=UTC"), and
// a panic of the library on any other odd input is an error, not a crash.
// "@every" needs a positive duration (as `every` does), and a schedule no
// date matches ("0 0 30 2 *") is refused rather than never firing.
func ParseCron(expr string) (sched cron.Schedule, err error) {
	zone, spec := "UTC", strings.TrimSpace(expr)
	for _, prefix := range []string{"CRON_TZ=", "TZ="} {
		rest, ok := strings.CutPrefix(spec, prefix)
		if !ok {
			continue
		}
		z, e, ok := strings.Cut(rest, " ")
		if !ok || z == "" || strings.TrimSpace(e) == "" {
			return nil, fmt.Errorf("want %sZone followed by a cron expression", prefix)
		}
		zone, spec = z, strings.TrimSpace(e)
		break
	}
	if _, err := time.LoadLocation(zone); err != nil {
		return nil, fmt.Errorf("unknown time zone %q", zone)
	}
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		if every, err := time.ParseDuration(strings.TrimSpace(d)); err == nil && every <= 0 {
			return nil, fmt.Errorf("@every %s: the interval must be positive", strings.TrimSpace(d))
		}
	}
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("cannot parse: %v", r)
		}
	}()
	p := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	sched, err = p.Parse("CRON_TZ=" + zone + " " + spec)
	if err != nil {
		return nil, err
	}
	if sched.Next(cronEpoch).IsZero() {
		return nil, neverDueError{expr: strings.TrimSpace(expr)}
	}
	return sched, nil
}

// goDuration is the shape time.ParseDuration accepts, to tell an
// overflowing duration from a malformed one.
var goDuration = regexp.MustCompile(`^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$`)

var aliasPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// Alias accepts alias names that cannot be mistaken for a version in
// an address (model.churn@production, not model.churn@7).
func Alias(s string) error {
	if s == "" {
		return errors.New("the alias is empty: name the alias this promotion moves, like \"production\"")
	}
	if !aliasPattern.MatchString(s) {
		return fmt.Errorf("%q is not a valid alias: use letters, digits, _ and -, starting with a letter", s)
	}
	return nil
}
