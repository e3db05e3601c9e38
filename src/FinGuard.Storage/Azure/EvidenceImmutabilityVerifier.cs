using Azure;
using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace FinGuard.Storage.Azure;

/// <summary>
/// What the Blob data plane says about the evidence container's write-once protection, read at start-up.
/// </summary>
/// <param name="Immutable">
/// True when the container has version-level immutability (<see cref="VersionLevelImmutability"/>) or a
/// container-level time-based retention policy (<see cref="ContainerImmutabilityPolicy"/>). A legal hold alone does
/// not count: it can be cleared at any time and has no retention period.
/// </param>
/// <param name="Container">The evidence container's name.</param>
/// <param name="VersionLevelImmutability">
/// <c>x-ms-immutable-storage-with-versioning-enabled</c>: every blob version can carry its own time-based retention,
/// inherited from the container's or the account's default policy. Null when the properties could not be read.
/// </param>
/// <param name="ContainerImmutabilityPolicy">
/// <c>x-ms-has-immutability-policy</c>: the container has a container-level time-based retention policy, locked or
/// unlocked (the data plane does not say which). Null when the properties could not be read.
/// </param>
/// <param name="LegalHold"><c>x-ms-has-legal-hold</c>; informational. Null when the properties could not be read.</param>
/// <param name="SampleBlob">
/// One existing evidence blob whose own retention was read (listing with <c>include=immutabilitypolicy,legalhold</c>),
/// or null when the container is empty or cannot be listed.
/// </param>
/// <param name="SampleBlobPolicyMode">
/// That blob's <c>x-ms-immutability-policy-mode</c> (<c>Locked</c>, <c>Unlocked</c>, <c>Mutable</c>), or null when it
/// has no blob-level policy. Informational: a blob written while the default policy was still unlocked keeps an
/// unlocked policy after the default is locked.
/// </param>
/// <param name="SampleBlobRetainedUntil">That blob's <c>x-ms-immutability-policy-until-date</c>.</param>
/// <param name="Detail">One line for the start-up log and the refusal message.</param>
public sealed record EvidenceImmutabilityReport(
    bool Immutable,
    string Container,
    bool? VersionLevelImmutability,
    bool? ContainerImmutabilityPolicy,
    bool? LegalHold,
    string? SampleBlob,
    string? SampleBlobPolicyMode,
    DateTimeOffset? SampleBlobRetainedUntil,
    string Detail);

/// <summary>
/// Reads the evidence container's properties (Get Container Properties, data plane) and reports whether it is
/// write-once: version-level immutability enabled, or a container-level time-based retention policy. It never
/// creates the container (production containers come from infra/main.bicep with immutability configured) and never
/// writes to it (a probe blob in a WORM container could never be removed).
/// </summary>
/// <remarks>
/// What the data plane cannot show, and this check therefore cannot prove: whether a container-level policy is
/// <em>locked</em> (only the management plane, <c>Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies</c>,
/// returns its <c>state</c>), the retention period of the container's or account's default version-level policy, and
/// whether <c>allowProtectedAppendWrites</c> is off. Those are set by infra/main.bicep and documented in docs/evidence.md.
/// The retention of one existing blob (its mode and until-date) <em>is</em> visible and is reported for the log.
/// </remarks>
public sealed class EvidenceImmutabilityVerifier
{
    private readonly BlobServiceClient _blobs;
    private readonly string _containerName;

    internal EvidenceImmutabilityVerifier(BlobServiceClient blobs, string containerName)
    {
        _blobs = blobs;
        _containerName = containerName;
    }

    /// <summary>A verifier for the evidence container configured in <paramref name="options"/> (Azure backends only).</summary>
    public static EvidenceImmutabilityVerifier Create(StorageOptions options, BlobClientOptions? blobOptions = null, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.UsesAzure)
        {
            throw new InvalidOperationException("Evidence immutability can only be verified for Azure Blob storage; the local folder backend is never immutable.");
        }

        var clients = AzureStorageClients.Create(options, credential, blobOptions);
        return new EvidenceImmutabilityVerifier(clients.Blobs, options.EvidenceContainer);
    }

    public async Task<EvidenceImmutabilityReport> VerifyAsync(CancellationToken cancellationToken)
    {
        var container = _blobs.GetBlobContainerClient(_containerName);
        BlobContainerProperties properties;
        try
        {
            properties = (await container.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return NotReadable($"blob container '{_containerName}' does not exist; create it with version-level immutability (infra/main.bicep) before starting in production mode");
        }
        catch (RequestFailedException ex)
        {
            // Status and error code only: the message can carry request details.
            return NotReadable($"the properties of blob container '{_containerName}' could not be read: {ex.Status} {ex.ErrorCode}");
        }
        catch (Exception ex) when (ex is AggregateException or InvalidOperationException or global::Azure.Identity.AuthenticationFailedException or HttpRequestException)
        {
            return NotReadable($"the properties of blob container '{_containerName}' could not be read: {ex.GetType().Name}");
        }

        var versionLevel = properties.HasImmutableStorageWithVersioning;
        var containerPolicy = properties.HasImmutabilityPolicy ?? false;
        var legalHold = properties.HasLegalHold ?? false;
        var (sampleName, sampleMode, sampleUntil) = await SampleAsync(container, cancellationToken);
        var immutable = versionLevel || containerPolicy;

        var facts = $"version-level immutability: {YesNo(versionLevel)}, container immutability policy: {YesNo(containerPolicy)}, legal hold: {YesNo(legalHold)}";
        var sample = sampleName is null
            ? "no existing evidence blob to sample"
            : $"sample blob '{sampleName}': retention {sampleMode ?? "none"}{(sampleUntil is { } until ? $" until {until.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}" : "")}";
        var detail = immutable
            ? $"blob container '{_containerName}' is write-once ({facts}; {sample})"
            : $"blob container '{_containerName}' is not write-once ({facts}): enable version-level immutability with a time-based retention policy on the container or its account (infra/main.bicep), or add a container-level time-based retention policy, and lock it";
        return new EvidenceImmutabilityReport(immutable, _containerName, versionLevel, containerPolicy, legalHold, sampleName, sampleMode, sampleUntil, detail);
    }

    private EvidenceImmutabilityReport NotReadable(string detail) =>
        new(false, _containerName, null, null, null, null, null, null, detail);

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static async Task<(string? Name, string? Mode, DateTimeOffset? Until)> SampleAsync(BlobContainerClient container, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var page in container.GetBlobsAsync(BlobTraits.ImmutabilityPolicy | BlobTraits.LegalHold, BlobStates.None, prefix: null, cancellationToken).AsPages(pageSizeHint: 1))
            {
                var item = page.Values.Count > 0 ? page.Values[0] : null;
                if (item is null)
                {
                    return (null, null, null);
                }

                var policy = item.Properties.ImmutabilityPolicy;
                return (item.Name, policy?.PolicyMode?.ToString(), policy?.ExpiresOn);
            }
        }
        catch (RequestFailedException)
        {
            // Listing is informational only; the container's own properties decide.
        }

        return (null, null, null);
    }
}
