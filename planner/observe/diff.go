package observe

import (
	"slices"
	"strings"
)

// Changes is the difference between two file lists, for the plan's
// "3 files changed, 1 added (+1.2 MiB)".
type Changes struct {
	Added, Changed, Removed []Change
	// AddedBytes and RemovedBytes are the sizes of added and removed
	// files; ChangedBytes is the sum of new minus old sizes of changed ones.
	AddedBytes, ChangedBytes, RemovedBytes int64
}

// Change is one path that differs.
type Change struct {
	Path string
	// Size is the file's size now (its old size for a removed file).
	Size int64
	// Delta is the size difference in bytes (new minus old).
	Delta int64
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool {
	return len(c.Added) == 0 && len(c.Changed) == 0 && len(c.Removed) == 0
}

// Diff compares two file lists by path. A file whose hash or permission
// bits differ is changed. Inputs need not be sorted; outputs are sorted
// by path. A path listed twice in one input counts once (its last entry).
func Diff(old, new []File) Changes {
	a, b := sortedUnique(old), sortedUnique(new)
	var c Changes
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i].Path < b[j].Path):
			c.Removed = append(c.Removed, Change{Path: a[i].Path, Size: a[i].Size, Delta: -a[i].Size})
			c.RemovedBytes += a[i].Size
			i++
		case i == len(a) || b[j].Path < a[i].Path:
			c.Added = append(c.Added, Change{Path: b[j].Path, Size: b[j].Size, Delta: b[j].Size})
			c.AddedBytes += b[j].Size
			j++
		default:
			if a[i].Hash != b[j].Hash || a[i].Mode != b[j].Mode {
				d := b[j].Size - a[i].Size
				c.Changed = append(c.Changed, Change{Path: b[j].Path, Size: b[j].Size, Delta: d})
				c.ChangedBytes += d
			}
			i, j = i+1, j+1
		}
	}
	return c
}

func sortedUnique(fs []File) []File {
	if slices.IsSortedFunc(fs, func(x, y File) int { return strings.Compare(x.Path, y.Path) }) && !hasDup(fs) {
		return fs
	}
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(x, y File) int { return strings.Compare(x.Path, y.Path) })
	// Keep the last of equal paths.
	w := 0
	for r := range out {
		if r+1 < len(out) && out[r+1].Path == out[r].Path {
			continue
		}
		out[w] = out[r]
		w++
	}
	return out[:w]
}

func hasDup(fs []File) bool {
	for i := 1; i < len(fs); i++ {
		if fs[i].Path == fs[i-1].Path {
			return true
		}
	}
	return false
}
