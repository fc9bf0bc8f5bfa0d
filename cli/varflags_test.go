package cli

import (
	"reflect"
	"testing"

	"github.com/spf13/pflag"

	"github.com/mlform/mlform/config"
)

func TestVarFlagsKeepCommandLineOrder(t *testing.T) {
	tests := []struct {
		args []string
		want []config.VarArg
	}{
		{args: nil, want: nil},
		{
			args: []string{"--var=a=1", "--var-file=x.vars", "--var", "b=2=3", "--var-file", "y.vars"},
			want: []config.VarArg{{Value: "a=1"}, {File: true, Value: "x.vars"}, {Value: "b=2=3"}, {File: true, Value: "y.vars"}},
		},
		{
			args: []string{"--var-file=x.vars", "--var=a=1"},
			want: []config.VarArg{{File: true, Value: "x.vars"}, {Value: "a=1"}},
		},
	}
	for _, tt := range tests {
		var vf varFlags
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		vf.register(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		g := &Globals{Getenv: func(string) string { return "" }}
		opts := vf.loadOptions(g)
		if !reflect.DeepEqual(opts.Args, tt.want) {
			t.Errorf("%q: Args = %+v; want %+v", tt.args, opts.Args, tt.want)
		}
		if opts.Version != Version || opts.Getenv == nil {
			t.Errorf("%q: Version %q, Getenv set %v", tt.args, opts.Version, opts.Getenv != nil)
		}
	}
}
