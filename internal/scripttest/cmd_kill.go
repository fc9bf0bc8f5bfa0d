package scripttest

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/zeebo/blake3"
)

// unlockif LOCKFILE: when the state lock file LOCKFILE exists (left by a
// killed command), release it with `mlform force-unlock -force ID`.
func cmdUnlockif(ts *testscript.TestScript, neg bool, args []string) {
	releaseLock(ts, ts.MkAbs(args[0]), scriptEnv(ts))
}

// killloop [-seed N] [-touch FILE] [-unlock LOCKFILE] KILLS COND... -- PROG ARGS...
//
// Runs PROG (in $WORK, with the script's environment) until it has been
// killed with SIGKILL KILLS times. Each round picks one COND at random: a
// glob relative to $WORK; the round waits until a path matching it appears
// that did not exist when the round started, then waits a random 0-19ms
// more (bounded: moments between two condition points) and kills PROG
// only (not its process group: what PROG started must clean up after
// itself). A round where PROG exits first does not count; at most
// 4*KILLS rounds run. -touch appends a line to FILE before each round (new
// data: every round has work to do). -unlock: when LOCKFILE (a state
// lock) exists before a round, `mlform force-unlock -force ID` releases
// it, as a user would after a kill. The seed (random unless -seed) is
// logged, so a failure can be replayed.
func cmdKillloop(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: " + killloopUsage
	seed := uint64(time.Now().UnixNano())
	var touch, unlock string
	for len(args) > 1 && strings.HasPrefix(args[0], "-") && args[0] != "--" {
		switch args[0] {
		case "-seed":
			v, err := strconv.ParseUint(args[1], 10, 64)
			ts.Check(err)
			seed = v
		case "-touch":
			touch = ts.MkAbs(args[1])
		case "-unlock":
			unlock = ts.MkAbs(args[1])
		default:
			ts.Fatalf("%s", usage)
		}
		args = args[2:]
	}
	sep := -1
	for i, a := range args {
		if a == "--" {
			sep = i
			break
		}
	}
	if sep < 2 || sep == len(args)-1 {
		ts.Fatalf("%s", usage)
	}
	kills, err := strconv.Atoi(args[0])
	if err != nil || kills < 1 {
		ts.Fatalf("killloop: KILLS %q is not a positive number", args[0])
	}
	conds, prog := args[1:sep], args[sep+1:]
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	ts.Logf("killloop: seed %d", seed)
	env := scriptEnv(ts)
	killed := 0
	for round := 1; killed < kills; round++ {
		if round > 4*kills {
			ts.Fatalf("killloop: only %d of %d kills landed in %d rounds", killed, kills, round-1)
		}
		if touch != "" {
			f, err := os.OpenFile(touch, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			ts.Check(err)
			fmt.Fprintf(f, "round %d\n", round)
			ts.Check(f.Close())
		}
		if unlock != "" {
			releaseLock(ts, unlock, env)
		}
		cond := conds[rng.IntN(len(conds))]
		before := globSet(ts, cond)
		cmd := exec.Command(prog[0], prog[1:]...)
		cmd.Dir, cmd.Env = ts.MkAbs("."), env
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		ts.Check(cmd.Start())
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		hit, err := waitNew(ts, cond, before, exited)
		if !hit {
			ts.Logf("killloop: round %d: exited (%v) before %s appeared", round, err, cond)
			continue
		}
		delay := time.Duration(rng.IntN(20)) * time.Millisecond
		select {
		case err := <-exited:
			ts.Logf("killloop: round %d: exited (%v) within %s after %s", round, err, delay, cond)
			continue
		case <-time.After(delay):
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		killed++
		ts.Logf("killloop: round %d: kill %d at %s +%s", round, killed, cond, delay)
	}
}

// waitNew waits for a match of glob not in before, or for the command to
// exit (hit false), for at most a minute.
func waitNew(ts *testscript.TestScript, glob string, before map[string]bool, exited chan error) (bool, error) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		for m := range globSet(ts, glob) {
			if !before[m] {
				return true, nil
			}
		}
		select {
		case err := <-exited:
			exited <- err // for the caller
			return false, err
		case <-time.After(time.Millisecond):
		}
	}
	ts.Fatalf("killloop: %s did not appear within a minute", glob)
	return false, nil
}

func globSet(ts *testscript.TestScript, glob string) map[string]bool {
	m, err := filepath.Glob(ts.MkAbs(glob))
	ts.Check(err)
	set := make(map[string]bool, len(m))
	for _, p := range m {
		set[p] = true
	}
	return set
}

// releaseLock force-unlocks a lock file left by a killed command.
func releaseLock(ts *testscript.TestScript, lockfile string, env []string) {
	data, err := os.ReadFile(lockfile)
	if os.IsNotExist(err) {
		return
	}
	ts.Check(err)
	var info struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(data, &info); err != nil || info.ID == "" {
		ts.Fatalf("killloop: %s: no lock id (%v)", lockfile, err)
	}
	cmd := exec.Command("mlform", "force-unlock", "-force", info.ID)
	cmd.Dir, cmd.Env = ts.MkAbs("."), env
	if out, err := cmd.CombinedOutput(); err != nil {
		ts.Fatalf("killloop: force-unlock %s: %v\n%s", info.ID, err, out)
	}
}

// nofiles DIRGLOB NAMEGLOB...: under every directory matching DIRGLOB
// (at least one must), no file or directory, at any depth, has a base
// name matching any NAMEGLOB. Lists what it finds.
func cmdNofiles(ts *testscript.TestScript, neg bool, args []string) {
	dirs, err := filepath.Glob(ts.MkAbs(args[0]))
	ts.Check(err)
	if len(dirs) == 0 {
		ts.Fatalf("nofiles: no directory matches %s", args[0])
	}
	var found []string
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == dir {
				return err
			}
			for _, g := range args[1:] {
				if ok, _ := filepath.Match(g, d.Name()); ok {
					found = append(found, p)
					break
				}
			}
			return nil
		})
		ts.Check(err)
	}
	if len(found) > 0 {
		ts.Fatalf("nofiles: found %d:\n%s", len(found), strings.Join(found, "\n"))
	}
}

// pubcheck DIR: DIR is a complete publication: mlform-manifest.json
// lists every other file, each with its exact size and BLAKE3 hash, and
// nothing else is there (no partial or temporary file).
func cmdPubcheck(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.MkAbs(args[0])
	data, err := os.ReadFile(filepath.Join(dir, "mlform-manifest.json"))
	ts.Check(err)
	var man struct {
		Files []struct {
			Path string `json:"path"`
			Size int64  `json:"size"`
			Hash string `json:"hash"`
		} `json:"files"`
	}
	if err := json.Unmarshal(data, &man); err != nil {
		ts.Fatalf("pubcheck: manifest: %v", err)
	}
	listed := map[string]bool{"mlform-manifest.json": true}
	for _, f := range man.Files {
		listed[f.Path] = true
		fh, err := os.Open(filepath.Join(dir, filepath.FromSlash(f.Path)))
		ts.Check(err)
		h := blake3.New()
		n, err := io.Copy(h, fh)
		fh.Close()
		ts.Check(err)
		if n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.Hash {
			ts.Fatalf("pubcheck: %s: %d bytes, hash %x; manifest says %d bytes, %s", f.Path, n, h.Sum(nil), f.Size, f.Hash)
		}
	}
	var extra []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !listed[filepath.ToSlash(rel)] {
			extra = append(extra, rel)
		}
		return nil
	})
	ts.Check(err)
	if len(extra) > 0 {
		ts.Fatalf("pubcheck: files the manifest does not list: %s", strings.Join(extra, ", "))
	}
}
