using System.Globalization;

namespace FinGuard.Core.Evidence;

/// <summary>
/// An index row is only a summary of its record, so it must say exactly what the record says. Anything FinGuard
/// decides from is read from the record; a row that disagrees with its record has been edited (or the record has),
/// and is reported as corruption, never believed.
/// </summary>
public static class EvidenceIndexCheck
{
    /// <summary>The index row that describes <paramref name="record"/>, stored as <paramref name="blobName"/> with SHA-256 <paramref name="sha256"/>.</summary>
    public static EvidenceIndexEntry RowOf(EvidenceRecord record, string blobName, string sha256)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new EvidenceIndexEntry(
            record.Chain,
            record.Sequence,
            record.EventId,
            record.Subject.Type,
            record.Subject.PullRequest,
            record.Subject.HeadSha,
            record.Timestamp,
            record.Result.Verdict,
            record.DeliveryId,
            blobName,
            sha256);
    }

    /// <summary>
    /// Every field where <paramref name="row"/> differs from <paramref name="expected"/> (the row its record implies),
    /// each as "verdict: the index says 'pass', the record says 'fail'"; empty when they agree.
    /// </summary>
    public static IReadOnlyList<string> Differences(EvidenceIndexEntry row, EvidenceIndexEntry expected)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(expected);
        var differences = new List<string>();
        Compare(differences, "chain", row.Chain, expected.Chain);
        Compare(differences, "sequence", row.Sequence.ToString(CultureInfo.InvariantCulture), expected.Sequence.ToString(CultureInfo.InvariantCulture));
        Compare(differences, "eventId", row.EventId, expected.EventId);
        Compare(differences, "subjectType", row.SubjectType, expected.SubjectType);
        Compare(differences, "pullRequest", row.PullRequest?.ToString(CultureInfo.InvariantCulture), expected.PullRequest?.ToString(CultureInfo.InvariantCulture));
        Compare(differences, "headSha", row.HeadSha, expected.HeadSha);
        if (row.Timestamp != expected.Timestamp)
        {
            Compare(differences, "timestamp", Instant(row.Timestamp), Instant(expected.Timestamp));
        }

        Compare(differences, "verdict", row.Verdict, expected.Verdict);
        Compare(differences, "deliveryId", row.DeliveryId, expected.DeliveryId);
        Compare(differences, "blobName", row.BlobName, expected.BlobName);
        Compare(differences, "sha256", row.Sha256, expected.Sha256);
        return differences;
    }

    private static void Compare(List<string> differences, string field, string? indexed, string? recorded)
    {
        if (!string.Equals(indexed, recorded, StringComparison.Ordinal))
        {
            differences.Add($"{field}: the index says {Quote(indexed)}, the record says {Quote(recorded)}");
        }
    }

    private static string Quote(string? value) => value is null ? "(none)" : $"'{value}'";

    private static string Instant(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}

/// <summary>
/// A record read back to decide from: the record when its bytes are anchored in the chain (the next record, or the
/// chain head, names their SHA-256) and its index row says what it says; otherwise what is wrong.
/// </summary>
/// <param name="Record">The verified record; null when it could not be verified.</param>
/// <param name="Sha256">SHA-256 of its stored bytes; null when it could not be read.</param>
/// <param name="Problem">Why it is not verified (names the object); null when it is.</param>
public sealed record VerifiedEvidence(EvidenceRecord? Record, string? Sha256, string? Problem)
{
    public static VerifiedEvidence Corrupt(string problem) => new(null, null, problem);
}

/// <summary>A chain's last record as the store's head states it.</summary>
/// <param name="Sequence">Its sequence; 0 for an empty chain.</param>
/// <param name="Sha256">SHA-256 of its bytes; null for an empty chain.</param>
public sealed record EvidenceChainTip(long Sequence, string? Sha256);
