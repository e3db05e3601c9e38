namespace FinGuard.GitHub.Scans;

/// <summary>
/// Limits <see cref="ArtifactExtractor"/> enforces on a workflow artifact zip. Sizes are counted on the bytes actually
/// decompressed, never on the sizes the zip headers claim (a zip bomb lies about those).
/// </summary>
public sealed record ArtifactLimits
{
    /// <summary>Largest archive read (compressed): 256 MiB.</summary>
    public long MaxArchiveBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Most entries the archive may list: 10,000.</summary>
    public int MaxEntries { get; init; } = 10_000;

    /// <summary>Largest wanted entry once decompressed: 100 MiB, the scan parser's own limit.</summary>
    public long MaxEntryBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>Largest total of the wanted entries once decompressed: 200 MiB.</summary>
    public long MaxTotalBytes { get; init; } = 200L * 1024 * 1024;

    /// <summary>
    /// Largest decompressed-to-compressed ratio of a wanted entry: 200. Real scanner JSON compresses 5–50 times;
    /// DEFLATE can reach about 1,000. Checked once an entry passes <see cref="RatioCheckFloorBytes"/>.
    /// </summary>
    public double MaxCompressionRatio { get; init; } = 200;

    /// <summary>Entries smaller than this (1 MiB) are not held to <see cref="MaxCompressionRatio"/>: tiny files compress oddly and cannot hurt.</summary>
    public long RatioCheckFloorBytes { get; init; } = 1024 * 1024;

    public static ArtifactLimits Default { get; } = new();
}
