using FinGuard.Core.Evidence;
using FinGuard.Telemetry;

namespace FinGuard.Storage.Evidence;

/// <summary>
/// The registered <see cref="IEvidenceStore"/>: the backend's store, with every append timed
/// (<see cref="FinGuardTelemetry.Instruments.EvidenceWriteDuration"/>, tagged with the record's subject type and
/// whether it succeeded). Reads are passed through untimed.
/// </summary>
internal sealed class TimedEvidenceStore(IEvidenceStore inner, FinGuardTelemetry telemetry, TimeProvider time) : IEvidenceStore
{
    public async Task<EvidenceReceipt> AppendAsync(EvidenceRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var started = time.GetTimestamp();
        var succeeded = false;
        try
        {
            var receipt = await inner.AppendAsync(record, cancellationToken);
            succeeded = true;
            return receipt;
        }
        finally
        {
            telemetry.EvidenceWritten(record.Subject.Type, time.GetElapsedTime(started), succeeded);
        }
    }

    public Task<byte[]?> ReadAsync(string blobName, CancellationToken cancellationToken) => inner.ReadAsync(blobName, cancellationToken);

    public IAsyncEnumerable<EvidenceIndexEntry> ListAsync(string chain, CancellationToken cancellationToken) => inner.ListAsync(chain, cancellationToken);

    public Task<IReadOnlyList<EvidenceIndexEntry>> FindByShaAsync(string chain, string headSha, CancellationToken cancellationToken) =>
        inner.FindByShaAsync(chain, headSha, cancellationToken);

    public Task RecoverAsync(string chain, CancellationToken cancellationToken) => inner.RecoverAsync(chain, cancellationToken);

    public Task<VerifiedEvidence> ReadVerifiedAsync(EvidenceIndexEntry entry, CancellationToken cancellationToken) => inner.ReadVerifiedAsync(entry, cancellationToken);

    public Task<EvidenceChainTip> GetTipAsync(string chain, CancellationToken cancellationToken) => inner.GetTipAsync(chain, cancellationToken);

    public IAsyncEnumerable<EvidenceIndexEntry> ListLookupRowsAsync(string chain, CancellationToken cancellationToken) => inner.ListLookupRowsAsync(chain, cancellationToken);
}
