namespace FinGuard.GitHub.Scans;

/// <summary>Why <see cref="ArtifactExtractor"/> refused an artifact.</summary>
public enum ArtifactRejection
{
    /// <summary>The bytes are not a readable zip archive (or an entry is encrypted, corrupt or uses an unsupported method).</summary>
    Unreadable,

    /// <summary>The archive itself is larger than <see cref="ArtifactLimits.MaxArchiveBytes"/>.</summary>
    ArchiveTooLarge,

    /// <summary>The archive lists more entries than <see cref="ArtifactLimits.MaxEntries"/>.</summary>
    TooManyEntries,

    /// <summary>An entry name is absolute, has <c>..</c>, <c>.</c> or empty segments, a backslash, a drive letter or colon, or a control character.</summary>
    UnsafePath,

    /// <summary>Two entries have the same name, so which one is "the" file would be ambiguous.</summary>
    DuplicateEntry,

    /// <summary>A wanted entry is a symbolic link rather than a file.</summary>
    NotAFile,

    /// <summary>A wanted entry decompresses (or claims to) to more than <see cref="ArtifactLimits.MaxEntryBytes"/>.</summary>
    EntryTooLarge,

    /// <summary>The wanted entries together decompress to more than <see cref="ArtifactLimits.MaxTotalBytes"/>.</summary>
    TotalTooLarge,

    /// <summary>A wanted entry expands more than <see cref="ArtifactLimits.MaxCompressionRatio"/> times its compressed size.</summary>
    CompressionRatio,
}

/// <summary>
/// A workflow artifact was not extracted because it breaks one of the <see cref="ArtifactLimits"/> or is not a safe,
/// readable zip. The message names the entry and the limit; it never contains the entry's content.
/// </summary>
public sealed class ArtifactRejectedException : Exception
{
    public ArtifactRejectedException()
    {
    }

    public ArtifactRejectedException(string message)
        : base(message)
    {
    }

    public ArtifactRejectedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ArtifactRejectedException(ArtifactRejection reason, string? entryName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        EntryName = entryName;
    }

    public ArtifactRejection Reason { get; }

    /// <summary>The entry concerned, when the rejection is about one.</summary>
    public string? EntryName { get; }
}
