package cloudtest

import (
	"context"
	"net/url"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// azureCloud is Azurite's blob service with the emulator's published
// development account, given to the SDK as AZURE_STORAGE_ACCOUNT and
// AZURE_STORAGE_KEY like any shared-key account.
func azureCloud() Cloud {
	return Cloud{
		Name:           "azure",
		Server:         "azurite",
		endpointEnv:    "MLFORM_TEST_AZURE_DOMAIN",
		unavailableEnv: "MLFORM_TEST_AZURE_UNAVAILABLE",
		env:            []string{"AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY"},
		create:         createAzureContainer,
		url:            azureURL,
	}
}

// azureURL addresses a container on an emulator: plain http, the
// emulator's host:port as domain, the account in the path (localemu).
func azureURL(domain, name string) string {
	q := url.Values{}
	q.Set("protocol", "http")
	q.Set("domain", domain)
	q.Set("localemu", "true")
	return "azblob://" + name + "?" + q.Encode()
}

func createAzureContainer(ctx context.Context, domain, name string) error {
	account := os.Getenv("AZURE_STORAGE_ACCOUNT")
	cred, err := container.NewSharedKeyCredential(account, os.Getenv("AZURE_STORAGE_KEY"))
	if err != nil {
		return err
	}
	client, err := container.NewClientWithSharedKeyCredential("http://"+domain+"/"+account+"/"+name, cred, nil)
	if err != nil {
		return err
	}
	_, err = client.Create(ctx, nil)
	return err
}
