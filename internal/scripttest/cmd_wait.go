package scripttest

import (
	"bufio"
	"bytes"
	"os"
	"regexp"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdWaitline waits until a line of FILE matches REGEXP:
// waitline FILE REGEXP [TIMEOUT] (default 60s). FILE is typically the
// events file a test build of mlform appends reached points to
// (MLFORM_TEST_EVENTS), or a redirected output.
func cmdWaitline(ts *testscript.TestScript, neg bool, args []string) {
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	timeout := optionalArg(ts, args, 2, 60*time.Second, time.ParseDuration)
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(path); err == nil {
			sc := bufio.NewScanner(bytes.NewReader(b))
			for sc.Scan() {
				if re.Match(sc.Bytes()) {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			ts.Fatalf("no line of %s matched %q within %s", args[0], args[1], timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
