package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mlform/mlform/internal/testtree"
)

// openPTY opens a pseudo-terminal pair: what mlform writes to tty is read
// from the returned channel (everything, once tty is closed).
func openPTY(t *testing.T) (tty *os.File, output func() string) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() {
		var b bytes.Buffer
		_, _ = io.Copy(&b, master) // ends with EIO once tty is closed
		done <- b.String()
	}()
	return tty, func() string {
		tty.Close()
		return <-done
	}
}

// workspace writes files into a new directory and makes it the working
// directory for the test.
func workspace(t *testing.T, files map[string]string) {
	t.Helper()
	t.Chdir(testtree.Temp(t, files))
}

// A broken backend URL is reported by the state-reading commands, and an
// output that fails on the recorded state by output: both diagnostics
// were coloured whatever stderr was.
var colorCases = []struct {
	name  string
	files map[string]string
	args  []string
	want  string
}{
	{
		name:  "backend",
		files: map[string]string{"main.mlf.hcl": "mlform {\n  backend \"blob\" { url = 42 }\n}\n"},
		args:  []string{"versions", "model.m"},
		want:  "main.mlf.hcl:2:26: Invalid URL",
	},
	{
		name: "output",
		files: map[string]string{
			"main.mlf.hcl": `dataset "d" {
  source = "data"
}
model "m" {
  datasets = [dataset.d]
  train {
    command = ["true"]
  }
}
promotion "p" {
  model = model.m
  alias = "prod"
}
output "next" {
  value = promotion.p.version + 1
}
`,
			"data/a.csv": "a\n",
		},
		args: []string{"output"},
		want: "main.mlf.hcl:15:11: Operation failed",
	},
	{
		name:  "validate",
		files: map[string]string{"main.mlf.hcl": "dataset \"d\" {\n  source = 1 +\n}\n"},
		args:  []string{"validate"},
		want:  "main.mlf.hcl:",
	},
}

// Escape sequences reach stderr only on a terminal that understands them:
// never through a pipe or file, never with NO_COLOR, -no-color or TERM=dumb.
func TestNoEscapesUnlessColourTerminal(t *testing.T) {
	for _, tc := range colorCases {
		t.Run(tc.name+"/pipe", func(t *testing.T) {
			workspace(t, tc.files)
			var out, errb bytes.Buffer
			g := &Globals{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""), Getenv: func(string) string { return "" }}
			if code := Run(g, tc.args); code != 1 {
				t.Fatalf("exit %d, want 1; stderr:\n%s", code, errb.String())
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("stderr lacks %q:\n%s", tc.want, errb.String())
			}
			if strings.Contains(errb.String()+out.String(), "\x1b") {
				t.Errorf("escape sequences written to a pipe:\n%q", errb.String())
			}
		})
		for _, env := range []struct {
			name, key, value string
			args             []string
			colour           bool
		}{
			{name: "xterm", key: "TERM", value: "xterm", colour: true},
			{name: "dumb", key: "TERM", value: "dumb"},
			{name: "no_color", key: "NO_COLOR", value: "1"},
			{name: "-no-color", key: "TERM", value: "xterm", args: []string{"-no-color"}},
		} {
			t.Run(tc.name+"/"+env.name, func(t *testing.T) {
				workspace(t, tc.files)
				tty, output := openPTY(t)
				getenv := func(k string) string {
					if k == env.key {
						return env.value
					}
					return ""
				}
				g := &Globals{Stdout: tty, Stderr: tty, Stdin: strings.NewReader(""), Getenv: getenv}
				code := Run(g, append(append([]string{}, env.args...), tc.args...))
				got := output()
				if code != 1 || !strings.Contains(got, tc.want) {
					t.Fatalf("exit %d, want 1 and %q in:\n%s", code, tc.want, got)
				}
				if has := strings.Contains(got, "\x1b"); has != env.colour {
					t.Errorf("escape sequences: %v, want %v:\n%q", has, env.colour, got)
				}
			})
		}
	}
}

// On a TERM=dumb terminal apply's progress is plain lines: the live line
// is redrawn with a carriage return and an erase-line sequence.
func TestLiveProgressNeedsCapableTerminal(t *testing.T) {
	tty, output := openPTY(t)
	defer output()
	for _, tc := range []struct {
		term string
		live bool
	}{{"xterm", true}, {"dumb", false}, {"", true}} {
		g := &Globals{Stdout: tty, Stderr: tty, Getenv: func(k string) string {
			if k == "TERM" {
				return tc.term
			}
			return ""
		}}
		root := NewRootCommand(g)
		root.SetArgs([]string{"version"})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		if got := liveTerminal(g) != nil; got != tc.live {
			t.Errorf("TERM=%q: live progress line %v, want %v", tc.term, got, tc.live)
		}
	}
	g := &Globals{Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
	if liveTerminal(g) != nil {
		t.Error("a live progress line on a buffer")
	}
}

// fmt lists and diffs files by name: on a terminal a name or line holding
// an escape sequence (a hostile repository's file) is shown escaped, as
// diagnostics show it, never obeyed; piped, the bytes pass unchanged.
func TestFmtEscapesOnTerminal(t *testing.T) {
	const name = "c\x1b]0;TITLE\x07d.mlf.hcl"
	files := map[string]string{name: "locals {\n  a  = \"x\x1b[2J\"\n}\n"}
	for _, onTTY := range []bool{false, true} {
		workspace(t, files)
		var got string
		var code int
		if onTTY {
			tty, output := openPTY(t)
			g := &Globals{Stdout: tty, Stderr: tty, Stdin: strings.NewReader(""), Getenv: func(string) string { return "" }}
			code = Run(g, []string{"fmt", "-check", "-diff"})
			got = output()
		} else {
			var out, errb bytes.Buffer
			g := &Globals{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""), Getenv: func(string) string { return "" }}
			code = Run(g, []string{"fmt", "-check", "-diff"})
			got = out.String()
		}
		if code != 1 {
			t.Fatalf("terminal %v: exit %d, want 1:\n%q", onTTY, code, got)
		}
		raw := strings.Contains(got, name) && strings.Contains(got, "\x1b[2J")
		escaped := strings.Contains(got, `c\x1b]0;TITLE\x07d.mlf.hcl`) && strings.Contains(got, `x\x1b[2J`)
		if onTTY && (!escaped || strings.Contains(got, "\x1b]0;")) || !onTTY && !raw {
			t.Errorf("terminal %v: fmt -check -diff wrote\n%q", onTTY, got)
		}
	}
}
