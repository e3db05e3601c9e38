using System.Collections.Concurrent;
using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace FinGuard.Storage.Azure;

/// <summary>
/// The Blob and Table service clients of one storage account, and the containers and tables in it. The server's
/// clients create each container and table on first use (CreateIfNotExists once per process; a failed attempt is
/// retried on the next use). Read-only clients (<see cref="CreatesMissing"/> false: the auditor's
/// <c>finguard evidence export</c> and <c>verify --live</c>, which may run with only Storage Blob Data Reader and
/// Storage Table Data Reader) never create anything: they check once that the container or table exists, with a
/// request those roles allow (a one-item listing), and throw <see cref="StorageResourceMissingException"/> when not.
/// </summary>
internal sealed class AzureStorageClients
{
    private readonly ConcurrentDictionary<string, Lazy<Task<BlobContainerClient>>> _containers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new(StringComparer.Ordinal);

    public AzureStorageClients(BlobServiceClient blobs, TableServiceClient tables, bool createsMissing = true)
    {
        Blobs = blobs;
        Tables = tables;
        CreatesMissing = createsMissing;
    }

    /// <summary>True (the server): create missing containers and tables. False (readers): never create; report them missing.</summary>
    public bool CreatesMissing { get; }

    public BlobServiceClient Blobs { get; }

    public TableServiceClient Tables { get; }

    /// <summary>
    /// The retry policy FinGuard uses against storage: a few quick retries (0.2 s, doubling, at most 2 s; 10 s per
    /// attempt) instead of the SDK's default of up to 100 s per attempt. GitHub gives a webhook 10 s, so an ingress
    /// that cannot store a delivery must fail fast with a 503 (GitHub records the failure and FinGuard's redelivery
    /// sweep asks for it again) rather than hang; the worker retries whole deliveries on its own schedule.
    /// </summary>
    public static T WithBoundedRetries<T>(T options)
        where T : global::Azure.Core.ClientOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.Mode = global::Azure.Core.RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }

    /// <summary>
    /// Clients from options: the connection string when set, otherwise the service URIs with
    /// <paramref name="credential"/> (default: <see cref="DefaultAzureCredential"/>, i.e. managed identity in Azure).
    /// </summary>
    public static AzureStorageClients Create(
        StorageOptions options,
        TokenCredential? credential = null,
        BlobClientOptions? blobOptions = null,
        TableClientOptions? tableOptions = null,
        bool createsMissing = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            try
            {
                return new AzureStorageClients(
                    new BlobServiceClient(options.ConnectionString, blobOptions),
                    new TableServiceClient(options.ConnectionString, tableOptions),
                    createsMissing);
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
            new TableServiceClient(options.TableServiceUri, credential, tableOptions),
            createsMissing);
    }

    // Creation is shared by every concurrent caller, so it is not tied to any one caller's cancellation token;
    // each caller still stops waiting when its own token is cancelled.
    /// <param name="name">The container.</param>
    /// <param name="purpose">What the container holds, for the "does not exist" message (e.g. <c>evidence</c>).</param>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    public Task<BlobContainerClient> ContainerAsync(string name, CancellationToken cancellationToken, string purpose = "blob") =>
        EnsureAsync(_containers, name, async () =>
        {
            var container = Blobs.GetBlobContainerClient(name);
            if (CreatesMissing)
            {
                await container.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
                return container;
            }

            try
            {
                await foreach (var _ in container.GetBlobsAsync(cancellationToken: CancellationToken.None).AsPages(pageSizeHint: 1))
                {
                    break;
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                throw new StorageResourceMissingException(
                    $"{purpose} container '{name}' does not exist in {Blobs.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/')}. "
                    + "Check Storage:EvidenceContainer and the storage account; this read-only command never creates it.");
            }

            return container;
        }, cancellationToken);

    /// <param name="name">The table.</param>
    /// <param name="purpose">What the table holds, for the "does not exist" message (e.g. <c>evidence index</c>).</param>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    public Task<TableClient> TableAsync(string name, CancellationToken cancellationToken, string purpose = "storage") =>
        EnsureAsync(_tables, name, async () =>
        {
            var table = Tables.GetTableClient(name);
            if (CreatesMissing)
            {
                await table.CreateIfNotExistsAsync(CancellationToken.None);
                return table;
            }

            try
            {
                await foreach (var _ in table.QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: CancellationToken.None).AsPages(pageSizeHint: 1))
                {
                    break;
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                throw new StorageResourceMissingException(
                    $"{purpose} table '{name}' does not exist in {Tables.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/')}. "
                    + "Check Storage:TablePrefix and the storage account; this read-only command never creates it.");
            }

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
