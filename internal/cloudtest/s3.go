package cloudtest

import (
	"context"
	"net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Cloud is versitygw, an S3 gateway over a POSIX directory. It honours
// If-None-Match on PUT and on multipart completion, which the lock needs.
func s3Cloud() Cloud {
	return Cloud{
		Name:           "s3",
		Server:         "versitygw",
		endpointEnv:    "MLFORM_TEST_S3_ENDPOINT",
		unavailableEnv: "MLFORM_TEST_S3_UNAVAILABLE",
		env:            []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_EC2_METADATA_DISABLED"},
		create:         createS3Bucket,
		url:            s3URL,
	}
}

// s3URL is the URL a user would write for an S3-compatible server:
// explicit endpoint, path-style addressing, a region for signing.
func s3URL(endpoint, name string) string {
	q := url.Values{}
	q.Set("endpoint", endpoint)
	q.Set("region", "us-east-1")
	q.Set("use_path_style", "true")
	return "s3://" + name + "?" + q.Encode()
}

// createS3Bucket creates the bucket with the credentials from the usual
// AWS environment variables, which with-servers.sh sets.
func createS3Bucket(ctx context.Context, endpoint, name string) error {
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
	})
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	return err
}
