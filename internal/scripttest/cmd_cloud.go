package scripttest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mlform/mlform/internal/cloudtest"
)

// cloudCondition answers [cloud:NAME]: whether the test server for cloud
// NAME (s3, gcs, azure) is running. Scripts guard themselves with
// `[!cloud:s3] skip '...'`. Under MLFORM_REQUIRE_CLOUD_TESTS=1 a missing
// server is an error, never a skip.
func cloudCondition(cond string) (bool, error) {
	name, ok := strings.CutPrefix(cond, "cloud:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	c, err := cloudtest.ByName(name)
	if err != nil {
		return false, err
	}
	if reason := c.Unavailable(); reason != "" {
		if cloudtest.Required() {
			return false, fmt.Errorf("%s (%s=1)", reason, cloudtest.RequireEnv)
		}
		return false, nil
	}
	return true, nil
}

// cloud NAME: creates a fresh bucket on the NAME test server and gives the
// script the environment a user would have for that cloud (credentials,
// emulator host, CA bundles), so `exec mlform` reaches the server like any
// SDK client. It sets CLOUD_URL to the bucket's gocloud.dev URL, and
// CLOUD_STATE_URL and CLOUD_STORE_URL to the same bucket under the
// prefixes state/ and store/.
func cmdCloud(ts *testscript.TestScript, neg bool, args []string) {
	c, err := cloudtest.ByName(args[0])
	ts.Check(err)
	if reason := c.Unavailable(); reason != "" {
		ts.Fatalf("%s (guard the script with [!cloud:%s] skip)", reason, c.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url, err := c.NewBucket(ctx)
	ts.Check(err)
	for _, kv := range c.Env() {
		k, v, _ := strings.Cut(kv, "=")
		ts.Setenv(k, v)
	}
	ts.Setenv("CLOUD_URL", url)
	ts.Setenv("CLOUD_STATE_URL", cloudtest.WithPrefix(url, "state/"))
	ts.Setenv("CLOUD_STORE_URL", cloudtest.WithPrefix(url, "store/"))
}

// subst FILE NAME...: replaces each literal $NAME in FILE with the value of
// the script variable NAME. Only the names given are replaced, so HCL's own
// ${...} interpolation in FILE is left alone.
func cmdSubst(ts *testscript.TestScript, neg bool, args []string) {
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	text := string(data)
	for _, name := range args[1:] {
		v := ts.Getenv(name)
		if v == "" {
			ts.Fatalf("subst: $%s is not set", name)
		}
		if !strings.Contains(text, "$"+name) {
			ts.Fatalf("subst: %s does not mention $%s", args[0], name)
		}
		text = strings.ReplaceAll(text, "$"+name, v)
	}
	ts.Check(os.WriteFile(path, []byte(text), 0o644))
}

// nosecrets PATH...: fails if any file (stdout and stderr name the last
// command's output; a directory means every file under it) contains the
// value of a credential variable. The failure names the variable and the
// file, never the value. `! nosecrets PATH...` asserts a leak is found,
// which is how the command itself is tested.
func cmdNosecrets(ts *testscript.TestScript, neg bool, args []string) {
	secrets := scriptSecrets(ts)
	if len(secrets) == 0 {
		ts.Fatalf("nosecrets: no credential is set, so the check would prove nothing")
	}
	var leaks []string
	check := func(name, text string) {
		for _, sec := range secrets {
			if strings.Contains(text, sec.value) {
				leaks = append(leaks, fmt.Sprintf("%s contains the value of %s", name, sec.env))
				return
			}
		}
	}
	for _, arg := range args {
		if arg == "stdout" || arg == "stderr" {
			check(arg, ts.ReadFile(arg))
			continue
		}
		ts.Check(walkFiles(ts.MkAbs(arg), func(p string, data []byte) { check(p, string(data)) }))
	}
	switch {
	case len(leaks) > 0 && !neg:
		ts.Fatalf("%s", strings.Join(leaks, "\n"))
	case len(leaks) == 0 && neg:
		ts.Fatalf("no credential found in %s", strings.Join(args, " "))
	}
}

// secret is a credential value and the variable it came from.
type secret struct{ env, value string }

// scriptSecrets returns the credential values set in the script's
// environment or in the test process's (where with-servers.sh put every
// cloud's).
func scriptSecrets(ts *testscript.TestScript) []secret {
	var out []secret
	for _, name := range cloudtest.SecretEnv() {
		for _, v := range []string{ts.Getenv(name), os.Getenv(name)} {
			if len(v) >= 8 {
				out = append(out, secret{name, v})
			}
		}
	}
	return out
}
