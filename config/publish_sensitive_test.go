package config

import "testing"

// TestPublishURLSensitive: a publish URL built from a sensitive variable is
// marked, so plans, state and messages show only the placeholder
// (hostile_secret_publish.txtar checks what they show).
func TestPublishURLSensitive(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		sensitive bool
	}{
		{"plain", `"s3://b/serving/?region=x"`, false},
		{"host from a secret", `"s3://${var.bucket}/serving/"`, true},
		{"path from a secret", `"file://pub/${var.bucket}"`, true},
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
		})
	}
}
