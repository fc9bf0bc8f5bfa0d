// Command mlform is Terraform for the life of a machine-learning model.
// All behaviour lives in package cli; this file only wires it to the process.
package main

import (
	"os"

	"github.com/mlform/mlform/cli"
)

func main() {
	os.Exit(cli.Main())
}
