package remote

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mlform/mlform/internal/envname"
)

// Environment variables Job sets for the runner. They reach the job the
// way the executor passes an environment (Slurm: sbatch's own
// environment with --export; Kubernetes: a Secret), never a command line.
const (
	// EnvStores is a JSON object of storage name -> URL: the stores the
	// spec names. URLs may carry credentials.
	EnvStores = "MLFORM_STEP_STORES"
	// EnvRedact is a JSON array of the texts (sensitive values) the runner
	// redacts from the command's output before storing it.
	EnvRedact = "MLFORM_STEP_REDACT"
	// EnvPass is a comma-separated list of variables the executor itself
	// set for the step's command, from where the runner cannot see them
	// come (Kubernetes' secret_env: the kubelet reads them from Secrets).
	// The runner passes them on to the command, as it does the batch
	// system's own (SchedulerEnv), and redacts their values from the
	// output it streams and stores (PassedValues).
	EnvPass = "MLFORM_STEP_PASS"
)

// Subcommand is the argv after the binary: `mlform step run SPECID`.
var Subcommand = []string{"step", "run"}

// CredentialEnv are the variables the cloud SDKs read to reach a store
// (credentials, region, emulator hosts, CA bundles). Job passes those set
// in the controller's environment to the runner, which uses them to open
// the stores and does not pass them on to the step's command (the
// command gets only what the contract and the environment block say).
var CredentialEnv = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE", "AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_S3", "AWS_S3_USE_PATH_STYLE",
	"GOOGLE_APPLICATION_CREDENTIALS", "STORAGE_EMULATOR_HOST",
	"AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_CONNECTION_STRING",
	"AZURE_STORAGE_DOMAIN", "AZURE_STORAGE_PROTOCOL", "AZURE_STORAGE_IS_LOCAL_EMULATOR",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
}

// JobSpec is what an executor needs to run a stored spec.
type JobSpec struct {
	// Binary is the mlform binary's absolute path on the nodes.
	Binary string
	// SpecID is the spec object's id in Stores[spec store].
	SpecID string
	// SpecStore names the store holding the spec.
	SpecStore string
	// Stores maps every store the spec names to its URL (absolute: a
	// file:// store must be a path the nodes see).
	Stores map[string]string
	// Env are the values of the spec's Env names (the environment block).
	Env map[string]string
	// Redact are the sensitive texts to redact from stored output.
	Redact []string
	// Getenv reads the controller's environment for CredentialEnv; nil:
	// os.Getenv.
	Getenv func(string) string
}

// Job returns the argv and environment of the job that runs the spec:
// `BINARY step run STORE SPECID` with the stores, the redactions, the
// store credentials and the environment block's values in the
// environment. The caller (an executor) adds nothing else the step needs.
func Job(j JobSpec) (argv []string, env map[string]string, err error) {
	if !filepath.IsAbs(j.Binary) {
		return nil, nil, fmt.Errorf("mlform binary %q: want an absolute path the nodes can run", j.Binary)
	}
	if _, ok := j.Stores[j.SpecStore]; !ok {
		return nil, nil, fmt.Errorf("no URL for the spec's store %q", j.SpecStore)
	}
	getenv := j.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	env = map[string]string{}
	for _, k := range CredentialEnv {
		if v := getenv(k); v != "" {
			env[k] = v
		}
	}
	for k, v := range j.Env {
		if !envname.Valid(k) {
			return nil, nil, fmt.Errorf("environment variable name %q is not valid", clip(k))
		}
		env[k] = v
	}
	stores, err := json.Marshal(j.Stores)
	if err != nil {
		return nil, nil, err
	}
	env[EnvStores] = string(stores)
	if len(j.Redact) > 0 {
		red, err := json.Marshal(j.Redact)
		if err != nil {
			return nil, nil, err
		}
		env[EnvRedact] = string(red)
	}
	argv = append([]string{j.Binary}, Subcommand...)
	return append(argv, j.SpecStore, j.SpecID), env, nil
}

// ParseStores reads EnvStores: every name a storage name, every URL
// non-empty.
func ParseStores(v string) (map[string]string, error) {
	if v == "" {
		return nil, fmt.Errorf("%s is not set: run by an executor, mlform step run gets the stores' URLs there", EnvStores)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvStores, err)
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] == "" {
			errs = append(errs, fmt.Errorf("%s: store %q has no URL", EnvStores, clip(k)))
		}
	}
	return m, errors.Join(errs...)
}

// ParseRedact reads EnvRedact ("" : nothing to redact).
func ParseRedact(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	var s []string
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvRedact, err)
	}
	return s, nil
}

// schedulerVars are variables a batch system sets for the job that the
// step's command may need: the job's own (SLURM_JOB_ID, SLURM_CPUS_ON_NODE,
// ...) and the devices it was given (CUDA_VISIBLE_DEVICES).
var schedulerVars = []string{"CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES",
	"GPU_DEVICE_ORDINAL", "NVIDIA_VISIBLE_DEVICES", "OMP_NUM_THREADS"}

// SchedulerEnv picks, from the runner's environment (os.Environ form),
// what the batch system set for the job (SLURM_* and the device
// variables): the runner passes them on to the command, as if the job ran
// it directly. Credentials and the protocol's own variables are never
// among them.
//
// The variables EnvPass names are passed on too, unless they are the
// protocol's own or credentials.
func SchedulerEnv(environ []string) map[string]string {
	pass := passed(environ)
	out := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !envname.Valid(k) {
			continue
		}
		if strings.HasPrefix(k, "SLURM_") || slices.Contains(schedulerVars, k) || pass[k] {
			out[k] = v
		}
	}
	return out
}

// PassedValues are the non-empty values of the variables EnvPass names
// (environ in os.Environ form): texts the runner redacts from the step's
// output, since they come from secrets mlform never saw.
func PassedValues(environ []string) []string {
	pass := passed(environ)
	var out []string
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && pass[k] && v != "" {
			out = append(out, v)
		}
	}
	return out
}

// passed is the set of names EnvPass lists, less those the runner keeps
// to itself (the protocol's variables and store credentials).
func passed(environ []string) map[string]bool {
	set := map[string]bool{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if k != EnvPass {
			continue
		}
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if envname.Valid(name) && !strings.HasPrefix(name, "MLFORM_") && !slices.Contains(CredentialEnv, name) {
				set[name] = true
			}
		}
	}
	return set
}
