using FinGuard.Testing.Azurite;

namespace FinGuard.Storage.Tests.Azure;

/// <summary>Needs no emulator: it points at a closed port (so it runs outside the Azurite collection, in parallel).</summary>
public sealed class AzureStorageHealthTests
{
    [Fact]
    public async Task Unreachable_storage_is_reported_unhealthy_within_the_timeout_without_revealing_the_key()
    {
        var options = new StorageOptions
        {
            ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={AzuriteFixture.AccountName};AccountKey={AzuriteFixture.AccountKey};" +
                "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
        };
        using var backend = StorageBackend.Create(options);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var (ok, detail) = await backend.Health.CheckAsync(default);

        Assert.False(ok);
        Assert.Equal("azure", backend.Health.BackendName);
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(15));
        Assert.DoesNotContain(AzuriteFixture.AccountKey, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", detail, StringComparison.Ordinal);
    }
}
