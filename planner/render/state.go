package render

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

// State writes a short summary of the recorded world: per dataset its
// current snapshot, per model its versions and aliases.
func State(w io.Writer, st *state.State) error {
	ew := &errWriter{w: w}
	if len(st.Datasets) == 0 && len(st.Models) == 0 {
		ew.printf("The state is empty: nothing has been applied yet.\n")
		return ew.err
	}
	ew.printf("State serial %d, lineage %s\n\n", st.Serial, st.Lineage)
	for _, name := range slices.Sorted(maps.Keys(st.Datasets)) {
		ds := st.Datasets[name]
		if len(ds.Snapshots) == 0 {
			ew.printf("dataset.%s: no snapshots\n", name)
			continue
		}
		cur := ds.Snapshots[len(ds.Snapshots)-1]
		ew.printf("dataset.%s: %s, current %s (%s, %s, %s)\n", name, count(len(ds.Snapshots), "snapshot"), cur.ID,
			count(cur.Files, "file"), Bytes(cur.Bytes), textfmt.Time(cur.CreatedAt))
	}
	for _, name := range slices.Sorted(maps.Keys(st.Models)) {
		m := st.Models[name]
		line := fmt.Sprintf("model.%s: %s", name, count(len(m.Versions), "version"))
		if n := len(m.Versions); n > 0 {
			v := m.Versions[n-1]
			line += fmt.Sprintf(", latest v%d %s", v.Version, v.Status)
		}
		var aliases []string
		for _, a := range slices.Sorted(maps.Keys(m.Aliases)) {
			aliases = append(aliases, fmt.Sprintf("%s -> v%d", a, m.Aliases[a].Version))
		}
		if len(aliases) > 0 {
			line += ", aliases: " + strings.Join(aliases, ", ")
		}
		ew.printf("%s\n", line)
	}
	return ew.err
}

func count(n int, word string) string { return plural(n, word) }
