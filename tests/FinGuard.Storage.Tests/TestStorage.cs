using FinGuard.Storage.Azure;
using FinGuard.Testing.Azurite;

namespace FinGuard.Storage.Tests;

/// <summary>Isolated storage locations, one per test: a temp folder, or unique containers and tables in Azurite.</summary>
internal static class TestStorage
{
    public static string NewTempRoot() => Directory.CreateTempSubdirectory("finguard-storage-tests-").FullName;

    public static void DeleteTempRoot(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Options naming containers and tables no other test uses.</summary>
    public static StorageOptions NewAzureOptions(AzuriteFixture azurite)
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        return new StorageOptions
        {
            ConnectionString = azurite.ConnectionString,
            EvidenceContainer = $"ev-{suffix}",
            DeliveriesContainer = $"dl-{suffix}",
            TablePrefix = $"t{suffix}",
        };
    }

    public static StorageBackend NewAzureBackend(StorageOptions options) =>
        StorageBackend.CreateAzure(options, AzureStorageClients.Create(options));
}
