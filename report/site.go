package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

//go:embed templates/*.html
var templateFS embed.FS

// site is everything the pages show.
type site struct {
	Generated time.Time
	Version   string
	Lineage   string // state lineage id
	Serial    uint64
	Models    []*modelView
	Datasets  []*datasetView
	Graph     template.HTML
	Plan      *PlanView
	HasConfig bool
	HasStores bool
	Warnings  []string
}

func gather(ctx context.Context, in Input) (*site, error) {
	if in.State == nil {
		return nil, fmt.Errorf("report: no state")
	}
	st := in.State
	s := &site{Generated: in.Now.UTC(), Version: in.Version, Lineage: st.Lineage, Serial: st.Serial,
		Plan: in.Plan, HasConfig: in.Config != nil, HasStores: in.Stores != nil}
	warn := func(w string) { s.Warnings = append(s.Warnings, w) }
	if in.Plan != nil {
		pv := *in.Plan
		pv.Stale = staleness(&pv, st.Lineage, st.Serial)
		s.Plan = &pv
	}

	var envExecutor func(string) string
	if in.Config != nil {
		envExecutor = func(name string) string {
			if e := in.Config.Environments[name]; e != nil {
				return e.Executor
			}
			return ""
		}
	}
	users := map[string][]string{}
	for u := range st.SnapshotUses() {
		key := u.Dataset + "@" + u.Snapshot
		users[key] = append(users[key], fmt.Sprintf("model.%s v%d", u.Model, u.Version))
	}
	for _, name := range slices.Sorted(maps.Keys(st.Models)) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m := st.Models[name]
		if m == nil {
			continue
		}
		mv := gatherModel(st, m, envExecutor)
		gi := gatesFor(in.Config, name)
		mv.Gates = gi.Described
		if gi.Promoted {
			mv.declaredAlias()
		}
		charts, err := metricCharts(mv, gi)
		if err != nil {
			return nil, fmt.Errorf("model.%s: %w", name, err)
		}
		mv.Charts = charts
		if curves := readCurves(ctx, in.Stores, mv, warn); len(curves) > 0 {
			if mv.Curves, err = curveCharts(curves); err != nil {
				return nil, fmt.Errorf("model.%s: %w", name, err)
			}
		}
		if err := aliasCharts(mv, in.Now); err != nil {
			return nil, fmt.Errorf("model.%s: %w", name, err)
		}
		mv.addPlan(s.Plan)
		s.Models = append(s.Models, mv)
	}
	// A dataset forgotten with state rm (or whose records only versions
	// still use) has only retained snapshots: it gets its page too, the
	// one its versions' inputs and the lineage graph link to.
	names := map[string]bool{}
	for _, m := range []map[string]*state.Dataset{st.Datasets, st.RetainedSnapshots} {
		for name := range m {
			names[name] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d := st.Datasets[name]
		if d == nil {
			if st.RetainedSnapshots[name] == nil {
				continue
			}
			d = &state.Dataset{Name: name}
		}
		dv := gatherDataset(st, d, users)
		dv.loadProfiles(ctx, in.Stores, warn)
		if err := dv.driftAndCharts(); err != nil {
			return nil, err
		}
		s.Datasets = append(s.Datasets, dv)
	}
	byName := map[string]*datasetView{}
	for _, dv := range s.Datasets {
		byName[dv.Name] = dv
	}
	for _, mv := range s.Models {
		mv.Drift = driftSinceTrain(st, mv, byName, in.Config)
	}
	s.Graph = lineageSVG(st, s.Models, s.Datasets)
	return s, nil
}

// page is one file of the site and the data its template gets.
type page struct {
	File, Template, Title string
	Model                 *modelView
	Dataset               *datasetView
}

// pageData is what every template receives.
type pageData struct {
	*site
	Page page
}

func (s *site) pages() []page {
	ps := []page{{File: "index.html", Template: "index.html", Title: "Overview"},
		{File: "lineage.html", Template: "lineage.html", Title: "Lineage"}}
	for _, m := range s.Models {
		ps = append(ps, page{File: m.Page, Template: "model.html", Title: "model." + m.Name, Model: m})
	}
	for _, d := range s.Datasets {
		ps = append(ps, page{File: d.Page, Template: "dataset.html", Title: "dataset." + d.Name, Dataset: d})
	}
	if s.Plan != nil {
		ps = append(ps, page{File: "plan.html", Template: "plan.html", Title: "Plan"})
	}
	return ps
}

func (s *site) write(dir string) (*Result, error) {
	t, err := template.New("").Funcs(template.FuncMap{
		"stamp":   stamp,
		"short":   short,
		"join":    strings.Join,
		"anchor":  anchor,
		"inc":     func(i int) int { return i + 1 },
		"version": versionText,
		"count":   textfmt.Count,
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("report templates: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	res := &Result{Warnings: s.Warnings}
	for _, p := range s.pages() {
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, p.Template, pageData{site: s, Page: p}); err != nil {
			return nil, fmt.Errorf("report page %s: %w", p.File, err)
		}
		// Module addresses as users write them (module.a["eu"].model.m),
		// as the CLI shows them; html/template's &#34; quoting keeps
		// the key's brackets, which is what DisplayText reads.
		if err := writeFileAtomic(filepath.Join(dir, p.File), objname.DisplayText(buf.Bytes())); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		res.Pages = append(res.Pages, p.File)
	}
	return res, nil
}

// writeFileAtomic writes through a temporary file and a rename, so a
// published site never has a half-written page.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".report-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// pageName is the file of an object's page. Names in a valid state are
// identifiers, but the state is untrusted: anything but [A-Za-z0-9_-] is
// written as .XX (hex; "." itself too), so a name can never leave the
// output directory or collide with another. Names are case-sensitive
// (model "Churn" and model "churn" can both exist) but the file systems
// of macOS and Windows are not, so an upper-case letter is written as
// "~" and the letter in lower case: no two names give file names that
// differ only by case. A part longer than maxPagePart (a long Unicode
// name, nested module addresses) is cut and ends in "~" and a hash of
// the whole name, one byte longer than any part that was not cut, so
// the file name stays under the 255-byte limit of common file systems.
func pageName(kind, name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			b.WriteByte('~')
			b.WriteByte(c - 'A' + 'a')
		default:
			fmt.Fprintf(&b, ".%02x", c)
		}
	}
	part := b.String()
	switch {
	case part == "":
		part = ".00"
	case len(part) > maxPagePart:
		sum := sha256.Sum256([]byte(name))
		part = part[:maxPagePart-16] + "~" + hex.EncodeToString(sum[:8])
	}
	return kind + "-" + part + ".html"
}

// maxPagePart bounds the name part of a page's file name: with the
// longest kind ("dataset-") and ".html" the name is at most 214 bytes.
const maxPagePart = 200

// anchor makes a name safe as a file name part or fragment id.
func anchor(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, ".%02x", c)
		}
	}
	if b.Len() == 0 {
		return ".00"
	}
	return b.String()
}
