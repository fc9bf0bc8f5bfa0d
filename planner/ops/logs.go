package ops

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/query"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/state"
)

// VersionLogs writes the stdout and stderr stored with a version's attempt
// (failed, timed-out and cancelled ones included: that is when they are
// needed) to w, each file under a "==> model.NAME@V stdout.log <==" line.
// Every chunk is verified on the way; a logs manifest is read from the
// store, so its file names are printed without control characters.
func VersionLogs(ctx context.Context, ws *engine.Workspace, st *state.State, addr string, w io.Writer) error {
	m, v, err := query.ResolveVersion(st, "logs", addr)
	if err != nil {
		return err
	}
	if v.LogsID == "" {
		return fmt.Errorf("model.%s v%d (%s) has no stored logs", m.Name, v.Version, v.Status)
	}
	store, err := ws.Store(ctx, v.Store)
	if err != nil {
		return fmt.Errorf("model.%s v%d logs: %w", m.Name, v.Version, err)
	}
	man, err := store.GetManifest(ctx, v.LogsID)
	if err != nil {
		return fmt.Errorf("model.%s v%d logs %s: %w", m.Name, v.Version, plans.ShortID(v.LogsID), err)
	}
	files := append([]manifest.File(nil), man.Files...)
	sort.SliceStable(files, func(i, j int) bool { return logRank(files[i].Path) < logRank(files[j].Path) })
	for _, f := range files {
		empty := ""
		if f.Size == 0 {
			empty = " (empty)"
		}
		if _, err := fmt.Fprintf(w, "==> model.%s@%d %s%s <==\n", m.Name, v.Version, query.Clean(f.Path), empty); err != nil {
			return err
		}
		if err := copyStored(ctx, store, f, w); err != nil {
			return fmt.Errorf("model.%s v%d logs %s: %w", m.Name, v.Version, query.Clean(f.Path), err)
		}
	}
	return nil
}

// logRank orders stdout before stderr, then anything else.
func logRank(name string) int {
	switch name {
	case "stdout.log":
		return 0
	case "stderr.log":
		return 1
	}
	return 2
}

// copyStored streams one stored file to w, ending it with a newline when
// the log did not.
func copyStored(ctx context.Context, store *storage.Store, f manifest.File, w io.Writer) error {
	r, err := store.OpenFile(ctx, f)
	if err != nil {
		return err
	}
	defer r.Close()
	lw := &lastByteWriter{w: w}
	if _, err := io.Copy(lw, r); err != nil {
		return err
	}
	if lw.n > 0 && lw.last != '\n' {
		_, err = io.WriteString(w, "\n")
	}
	return err
}

// lastByteWriter remembers the last byte written through it.
type lastByteWriter struct {
	w    io.Writer
	n    int64
	last byte
}

func (l *lastByteWriter) Write(b []byte) (int, error) {
	n, err := l.w.Write(b)
	if n > 0 {
		l.n += int64(n)
		l.last = b[n-1]
	}
	return n, err
}
