using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Azure;
using FinGuard.Storage.Deployments;
using FinGuard.Storage.Evidence;
using FinGuard.Storage.Local;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FinGuard.Storage;

/// <summary>Names reported by <see cref="IStorageHealth.BackendName"/>.</summary>
public static class StorageBackendNames
{
    public const string Local = "local";
    public const string Azure = "azure";
}

/// <summary>One configured storage backend: its evidence store, inbox and health probe, built from the same place.</summary>
internal sealed class StorageBackend : IDisposable
{
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(5);

    private StorageBackend(IEvidenceObjects evidenceObjects, IEvidenceStore evidence, IDeliveryInbox inbox, IStorageHealth health)
    {
        EvidenceObjects = evidenceObjects;
        Evidence = evidence;
        Inbox = inbox;
        Health = health;
    }

    /// <summary>The write-once primitive under <see cref="Evidence"/> (exposed for tests that simulate crashes).</summary>
    public IEvidenceObjects EvidenceObjects { get; }

    public IEvidenceStore Evidence { get; }

    public IDeliveryInbox Inbox { get; }

    public IStorageHealth Health { get; }

    /// <summary>Pending deployment protection rule requests (<c>{root}/deployments</c>, or the <c>DeploymentRequests</c> table).</summary>
    public IDeploymentRequests DeploymentRequests { get; private init; } = null!;

    public static StorageBackend Create(StorageOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.UsesAzure
            ? CreateAzure(options, AzureStorageClients.Create(options), loggerFactory)
            : CreateLocal(options.LocalPath, loggerFactory);
    }

    /// <summary>
    /// The local folder backend: <c>{root}/evidence</c> (records), <c>{root}/index</c> (index rows) and
    /// <c>{root}/deliveries</c> (inbox).
    /// </summary>
    public static StorageBackend CreateLocal(string root, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        var fullRoot = Path.GetFullPath(root);
        var objects = new LocalEvidenceObjects(Path.Combine(fullRoot, "evidence"));
        var indexRoot = Path.Combine(fullRoot, "index");
        var writer = new EvidenceChainWriter(
            objects,
            new LocalEvidenceIndex(indexRoot),
            new LocalEvidenceChainHeads(objects, indexRoot),
            (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EvidenceChainWriter>());
        return new StorageBackend(objects, writer, new LocalDeliveryInbox(Path.Combine(fullRoot, "deliveries")), new LocalStorageHealth(fullRoot))
        {
            DeploymentRequests = new LocalDeploymentRequests(Path.Combine(fullRoot, "deployments"), TimeProvider.System),
        };
    }

    public static StorageBackend CreateAzure(StorageOptions options, AzureStorageClients clients, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clients);
        var names = AzureStorageNames.From(options);
        var objects = new AzureEvidenceObjects(clients, names.EvidenceContainer);
        var writer = new EvidenceChainWriter(
            objects,
            new AzureEvidenceIndex(clients, names),
            new AzureEvidenceChainHeads(clients, names.EvidenceChainsTable),
            (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EvidenceChainWriter>());
        return new StorageBackend(objects, writer, new AzureDeliveryInbox(clients, names), new AzureStorageHealth(clients, names, HealthTimeout))
        {
            DeploymentRequests = new AzureDeploymentRequests(clients, names.DeploymentRequestsTable, TimeProvider.System),
        };
    }

    /// <summary>An Azure backend with explicit client options (tests add pipeline policies this way).</summary>
    public static StorageBackend CreateAzure(
        StorageOptions options,
        BlobClientOptions? blobOptions,
        TableClientOptions? tableOptions,
        TokenCredential? credential = null,
        ILoggerFactory? loggerFactory = null) =>
        CreateAzure(options, AzureStorageClients.Create(options, credential, blobOptions, tableOptions), loggerFactory);

    public void Dispose()
    {
        (Evidence as IDisposable)?.Dispose();
        (Inbox as IDisposable)?.Dispose();
        (DeploymentRequests as IDisposable)?.Dispose();
    }
}
