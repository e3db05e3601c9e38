using System.Collections.Concurrent;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace FinGuard.Storage.Azure;

/// <summary>
/// The Blob and Table service clients of one storage account, and the containers and tables in it, each created
/// on first use (CreateIfNotExists once per process; a failed attempt is retried on the next use).
/// </summary>
internal sealed class AzureStorageClients
{
    private readonly ConcurrentDictionary<string, Lazy<Task<BlobContainerClient>>> _containers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new(StringComparer.Ordinal);

    public AzureStorageClients(BlobServiceClient blobs, TableServiceClient tables)
    {
        Blobs = blobs;
        Tables = tables;
    }

    public BlobServiceClient Blobs { get; }

    public TableServiceClient Tables { get; }

    /// <summary>
    /// Clients from options: the connection string when set, otherwise the service URIs with
    /// <paramref name="credential"/> (default: <see cref="DefaultAzureCredential"/>, i.e. managed identity in Azure).
    /// </summary>
    public static AzureStorageClients Create(
        StorageOptions options,
        TokenCredential? credential = null,
        BlobClientOptions? blobOptions = null,
        TableClientOptions? tableOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            try
            {
                return new AzureStorageClients(
                    new BlobServiceClient(options.ConnectionString, blobOptions),
                    new TableServiceClient(options.ConnectionString, tableOptions));
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
            {
                // Deliberately without the inner exception: its message may quote the connection string.
                throw new InvalidOperationException(
                    $"{StorageOptions.SectionName}:{nameof(StorageOptions.ConnectionString)} is not a valid Azure Storage connection string.");
            }
        }

        if (options.BlobServiceUri is null || options.TableServiceUri is null)
        {
            throw new InvalidOperationException(
                $"Azure storage needs {StorageOptions.SectionName}:{nameof(StorageOptions.ConnectionString)}, or both " +
                $"{StorageOptions.SectionName}:{nameof(StorageOptions.BlobServiceUri)} and {StorageOptions.SectionName}:{nameof(StorageOptions.TableServiceUri)}.");
        }

        credential ??= new DefaultAzureCredential();
        return new AzureStorageClients(
            new BlobServiceClient(options.BlobServiceUri, credential, blobOptions),
            new TableServiceClient(options.TableServiceUri, credential, tableOptions));
    }

    // Creation is shared by every concurrent caller, so it is not tied to any one caller's cancellation token;
    // each caller still stops waiting when its own token is cancelled.
    public Task<BlobContainerClient> ContainerAsync(string name, CancellationToken cancellationToken) =>
        EnsureAsync(_containers, name, async () =>
        {
            var container = Blobs.GetBlobContainerClient(name);
            await container.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            return container;
        }, cancellationToken);

    public Task<TableClient> TableAsync(string name, CancellationToken cancellationToken) =>
        EnsureAsync(_tables, name, async () =>
        {
            var table = Tables.GetTableClient(name);
            await table.CreateIfNotExistsAsync(CancellationToken.None);
            return table;
        }, cancellationToken);

    private static async Task<T> EnsureAsync<T>(
        ConcurrentDictionary<string, Lazy<Task<T>>> cache, string name, Func<Task<T>> create, CancellationToken cancellationToken)
    {
        var lazy = cache.GetOrAdd(name, _ => new Lazy<Task<T>>(create));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
        {
            // Don't cache a failure (or a cancellation): the next caller tries again.
            cache.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(name, lazy));
            throw;
        }
    }
}
