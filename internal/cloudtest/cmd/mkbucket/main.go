// Command mkbucket creates a fresh bucket on a cloud server started by
// scripts/cloud/start.sh and prints its gocloud.dev URL, for trying mlform
// against a test server by hand:
//
//	set -a; . DIR/env; set +a
//	url=$(go run ./internal/cloudtest/cmd/mkbucket s3)
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/mlform/mlform/internal/cloudtest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkbucket s3|gcs|azure")
		os.Exit(2)
	}
	c, err := cloudtest.ByName(os.Args[1])
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var url string
		url, err = c.NewBucket(ctx)
		if err == nil {
			fmt.Println(url)
			return
		}
	}
	fmt.Fprintln(os.Stderr, "mkbucket:", err)
	os.Exit(1)
}
