package config

import "testing"

// TestPublishURLSensitive: a publish URL built from a sensitive variable is
// marked, so plans, state and messages show only the placeholder; a plain
// one is shown with its credentials redacted.
func TestPublishURLSensitive(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		sensitive bool
		display   string
	}{
		{"plain", `"s3://b/serving/?region=x"`, false, "s3://b/serving/?region=x"},
		{"credentials in a plain URL", `"s3://b/serving/?region=x&secret_access_key=abc"`, false, "s3://b/serving/?region=x&secret_access_key=REDACTED"},
		{"host from a secret", `"s3://${var.bucket}/serving/"`, true, SensitivePlaceholder},
		{"path from a secret", `"file://pub/${var.bucket}"`, true, SensitivePlaceholder},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": `
variable "bucket" {
  type      = string
  sensitive = true
  default   = "hidden-bucket-1234"
}
model "m" {
  train {
    command = ["true"]
  }
}
promotion "p" {
  model = model.m
  alias = "production"
  publish {
    url = ` + tc.url + `
  }
}
`})
			cfg := loadOK(t, dir, LoadOptions{})
			pub := cfg.Promotions["p"].Publish
			if pub.URLSensitive != tc.sensitive {
				t.Errorf("URLSensitive = %v, want %v", pub.URLSensitive, tc.sensitive)
			}
			if got := pub.Display(); got != tc.display {
				t.Errorf("Display() = %q, want %q", got, tc.display)
			}
		})
	}
}
