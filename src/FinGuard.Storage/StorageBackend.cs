using System.Runtime.CompilerServices;
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

/// <summary>Whether the process writes to storage (the server) or only reads it (an auditor's export and verify).</summary>
public enum StorageAccess
{
    /// <summary>The server: containers and tables are created on first use.</summary>
    ReadWrite,

    /// <summary>A reader: nothing is ever created (Storage Blob Data Reader and Storage Table Data Reader suffice).</summary>
    ReadOnly,
}

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

    /// <summary>Timer jobs' state between runs (<c>{root}/jobs</c>, or the <c>JobState</c> table).</summary>
    public Jobs.IJobStateStore JobState { get; private init; } = null!;

    /// <summary>Who pushed each pull request head (<c>{root}/head-pushes</c>, or the <c>HeadPushes</c> table).</summary>
    public Pushes.IHeadPushes HeadPushes { get; private init; } = null!;

    /// <param name="options">Storage settings.</param>
    /// <param name="loggerFactory">Logs of the chain writer.</param>
    /// <param name="access">
    /// <see cref="StorageAccess.ReadOnly"/> for commands that only read (an auditor's export and live verify): on Azure,
    /// no container or table is ever created, a missing one is reported by name, and the evidence store refuses appends.
    /// </param>
    /// <param name="telemetry">Counts quarantined deliveries (none when null).</param>
    public static StorageBackend Create(StorageOptions options, ILoggerFactory? loggerFactory = null, StorageAccess access = StorageAccess.ReadWrite, FinGuard.Telemetry.FinGuardTelemetry? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.UsesAzure)
        {
            return CreateLocal(options.LocalPath, loggerFactory, telemetry);
        }

        var clients = AzureStorageClients.Create(
            options,
            blobOptions: AzureStorageClients.WithBoundedRetries(new global::Azure.Storage.Blobs.BlobClientOptions()),
            tableOptions: AzureStorageClients.WithBoundedRetries(new global::Azure.Data.Tables.TableClientOptions()),
            createsMissing: access == StorageAccess.ReadWrite);
        var backend = CreateAzure(options, clients, loggerFactory, telemetry);
        return access == StorageAccess.ReadWrite
            ? backend
            : new StorageBackend(backend.EvidenceObjects, new ReadOnlyEvidenceStore(backend.Evidence, clients, options.EvidenceContainer), backend.Inbox, backend.Health)
            {
                DeploymentRequests = backend.DeploymentRequests,
                JobState = backend.JobState,
                HeadPushes = backend.HeadPushes,
            };
    }

    /// <summary>
    /// The local folder backend: <c>{root}/evidence</c> (records), <c>{root}/index</c> (index rows) and
    /// <c>{root}/deliveries</c> (inbox).
    /// </summary>
    public static StorageBackend CreateLocal(string root, ILoggerFactory? loggerFactory = null, FinGuard.Telemetry.FinGuardTelemetry? telemetry = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        var fullRoot = Path.GetFullPath(root);
        var objects = new LocalEvidenceObjects(Path.Combine(fullRoot, "evidence"));
        var indexRoot = Path.Combine(fullRoot, "index");
        var index = new LocalEvidenceIndex(indexRoot, objects);
        var writer = new EvidenceChainWriter(
            objects,
            index,
            new LocalEvidenceChainHeads(objects, index, indexRoot),
            (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EvidenceChainWriter>());
        return new StorageBackend(objects, writer, new LocalDeliveryInbox(Path.Combine(fullRoot, "deliveries"), TimeProvider.System, Deliveries.DeliveryQuarantineLog.Create(loggerFactory, telemetry)), new LocalStorageHealth(fullRoot))
        {
            DeploymentRequests = new LocalDeploymentRequests(Path.Combine(fullRoot, "deployments"), TimeProvider.System),
            JobState = new Jobs.LocalJobStateStore(Path.Combine(fullRoot, "job-state")),
            HeadPushes = new Pushes.LocalHeadPushes(Path.Combine(fullRoot, "head-pushes")),
        };
    }

    public static StorageBackend CreateAzure(StorageOptions options, AzureStorageClients clients, ILoggerFactory? loggerFactory = null, FinGuard.Telemetry.FinGuardTelemetry? telemetry = null)
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
        return new StorageBackend(objects, writer, new AzureDeliveryInbox(clients, names, TimeProvider.System, Deliveries.DeliveryQuarantineLog.Create(loggerFactory, telemetry)), new AzureStorageHealth(clients, names, HealthTimeout))
        {
            DeploymentRequests = new AzureDeploymentRequests(clients, names.DeploymentRequestsTable, TimeProvider.System),
            JobState = new Jobs.AzureJobStateStore(clients, names.JobStateTable),
            HeadPushes = new Pushes.AzureHeadPushes(clients, names.HeadPushesTable),
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

    /// <summary>
    /// The evidence store of a reader: checks first that the evidence container exists (so that a wrong container name
    /// is reported as such, before any table is read), then reads; appends are refused.
    /// </summary>
    private sealed class ReadOnlyEvidenceStore(IEvidenceStore inner, AzureStorageClients clients, string container) : IEvidenceStore, IDisposable
    {
        public Task<EvidenceReceipt> AppendAsync(EvidenceRecord record, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("This evidence store was opened read-only.");

        public async Task<byte[]?> ReadAsync(string blobName, CancellationToken cancellationToken)
        {
            await clients.ContainerAsync(container, cancellationToken, "evidence");
            return await inner.ReadAsync(blobName, cancellationToken);
        }

        public async IAsyncEnumerable<EvidenceIndexEntry> ListAsync(string chain, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await clients.ContainerAsync(container, cancellationToken, "evidence");
            await foreach (var entry in inner.ListAsync(chain, cancellationToken))
            {
                yield return entry;
            }
        }

        public async Task<IReadOnlyList<EvidenceIndexEntry>> FindByShaAsync(string chain, string headSha, CancellationToken cancellationToken)
        {
            await clients.ContainerAsync(container, cancellationToken, "evidence");
            return await inner.FindByShaAsync(chain, headSha, cancellationToken);
        }

        public async Task<VerifiedEvidence> ReadVerifiedAsync(EvidenceIndexEntry entry, CancellationToken cancellationToken)
        {
            await clients.ContainerAsync(container, cancellationToken, "evidence");
            return await inner.ReadVerifiedAsync(entry, cancellationToken);
        }

        public async Task<EvidenceChainTip> GetTipAsync(string chain, CancellationToken cancellationToken)
        {
            await clients.ContainerAsync(container, cancellationToken, "evidence");
            return await inner.GetTipAsync(chain, cancellationToken);
        }

        public async IAsyncEnumerable<EvidenceIndexEntry> ListLookupRowsAsync(string chain, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await clients.ContainerAsync(container, cancellationToken, "evidence");
            await foreach (var entry in inner.ListLookupRowsAsync(chain, cancellationToken))
            {
                yield return entry;
            }
        }

        public void Dispose() => (inner as IDisposable)?.Dispose();
    }

    public void Dispose()
    {
        (Evidence as IDisposable)?.Dispose();
        (Inbox as IDisposable)?.Dispose();
        (DeploymentRequests as IDisposable)?.Dispose();
    }
}
