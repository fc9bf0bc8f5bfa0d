package cloudtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// gcsCloud is fake-gcs-server, reached the way the GCS client libraries
// reach any emulator: STORAGE_EMULATOR_HOST.
func gcsCloud() Cloud {
	return Cloud{
		Name:           "gcs",
		Server:         "fake-gcs-server",
		endpointEnv:    "MLFORM_TEST_GCS_HOST",
		unavailableEnv: "MLFORM_TEST_GCS_UNAVAILABLE",
		env:            []string{"STORAGE_EMULATOR_HOST"},
		create:         createGCSBucket,
		url:            func(_, name string) string { return "gs://" + name },
	}
}

// createGCSBucket creates the bucket through the JSON API (buckets.insert),
// which the emulator serves without authentication.
func createGCSBucket(ctx context.Context, host, name string) error {
	body, err := json.Marshal(map[string]string{"name": name})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		"http://"+host+"/storage/v1/b?project=mlform-test", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("buckets.insert: %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
