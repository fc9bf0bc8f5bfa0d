package cloudtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gocloud.dev/blob"
)

// TestCABundleVariablesHarmless: the CA-bundle variables many machines set
// (AWS_CA_BUNDLE makes the AWS SDK build its own TLS config from the file)
// do not stop mlform reaching a plain-http endpoint. They point at a real
// but unrelated CA here, so the test does not depend on the machine's.
func TestCABundleVariablesHarmless(t *testing.T) {
	pemFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(pemFile, selfSignedCA(t), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"AWS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"} {
		t.Setenv(name, pemFile)
	}
	t.Setenv("SSL_CERT_DIR", filepath.Dir(pemFile))
	for _, c := range Clouds() {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			b := openBucket(t, c) // with the CA variables set
			err := b.Upload(ctx, "k", bytes.NewReader([]byte("v")), &blob.WriterOptions{ContentType: "text/plain", IfNotExist: true})
			if err != nil {
				t.Fatalf("upload with CA variables set: %v", err)
			}
			if got, err := b.ReadAll(ctx, "k"); err != nil || string(got) != "v" {
				t.Fatalf("read with CA variables set: %q, %v", got, err)
			}
		})
	}
}

func selfSignedCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mlform test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
