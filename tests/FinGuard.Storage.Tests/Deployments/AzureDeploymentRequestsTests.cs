using FinGuard.Testing.Azurite;

namespace FinGuard.Storage.Tests.Deployments;

[Collection(AzuriteFixture.CollectionName)]
public sealed class AzureDeploymentRequestsTests(AzuriteFixture azurite) : DeploymentRequestsContract
{
    private readonly StorageOptions options = TestStorage.NewAzureOptions(azurite);

    internal override StorageBackend CreateBackend() => TestStorage.NewAzureBackend(options);
}
