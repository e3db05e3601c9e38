namespace FinGuard.Storage.Tests.Deployments;

public sealed class LocalDeploymentRequestsTests : DeploymentRequestsContract
{
    private readonly string root = TestStorage.NewTempRoot();

    internal override StorageBackend CreateBackend() => StorageBackend.CreateLocal(root);

    protected override void DisposeStorage() => TestStorage.DeleteTempRoot(root);
}
