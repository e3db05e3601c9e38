using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Azure;

/// <summary>
/// Evidence objects as block blobs. Every write carries <c>If-None-Match: *</c>, so the service itself refuses to
/// replace an existing blob (409 BlobAlreadyExists); on an immutable (WORM) container the retention policy refuses
/// it as well. The content MD5 is sent for transport validation, and the record hash is kept as metadata.
/// </summary>
internal sealed class AzureEvidenceObjects(AzureStorageClients clients, string containerName) : IEvidenceObjects
{
    public async Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var container = await clients.ContainerAsync(containerName, cancellationToken, "evidence");
        var options = new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
            Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["sha256"] = CanonicalJson.Sha256Hex(bytes.Span) },
            TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
        };

        try
        {
            await container.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(bytes), options, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (IsAlreadyExists(ex))
        {
            return false;
        }
    }

    public async Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        var container = await clients.ContainerAsync(containerName, cancellationToken, "evidence");
        try
        {
            var result = await container.GetBlobClient(name).DownloadContentAsync(cancellationToken);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    internal static bool IsAlreadyExists(RequestFailedException ex) =>
        ex.ErrorCode == BlobErrorCode.BlobAlreadyExists
        || ex.ErrorCode == BlobErrorCode.ConditionNotMet
        || ex.ErrorCode == BlobErrorCode.BlobImmutableDueToPolicy
        || ex.Status == 412;
}
