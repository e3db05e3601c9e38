using System.IO.Compression;

namespace FinGuard.GitHub.Scans;

/// <summary>
/// Reads named files out of a GitHub Actions artifact (which downloads as a zip) into memory, defensively: nothing is
/// written to disk; only the wanted files are decompressed; every entry name must be a safe relative path; and size,
/// entry-count and compression-ratio limits are enforced on the bytes actually decompressed. Any violation rejects
/// the whole artifact with an <see cref="ArtifactRejectedException"/> saying which entry and which limit.
/// </summary>
/// <remarks>
/// Names are matched exactly (ordinal) against entry paths relative to the artifact root, e.g. <c>semgrep.json</c>
/// or <c>reports/trivy.sarif</c>. Wanted files absent from the archive are simply absent from the result.
/// </remarks>
public static class ArtifactExtractor
{
    private const int UnixFileTypeMask = 0xF000;
    private const int UnixSymbolicLink = 0xA000;

    /// <inheritdoc cref="Extract(Stream, IReadOnlyCollection{string}, ArtifactLimits)"/>
    public static IReadOnlyDictionary<string, byte[]> Extract(Stream zip, IReadOnlyCollection<string> wantedFileNames, long maxTotalBytes, long maxEntryBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTotalBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntryBytes);
        return Extract(zip, wantedFileNames, ArtifactLimits.Default with { MaxTotalBytes = maxTotalBytes, MaxEntryBytes = maxEntryBytes });
    }

    /// <summary>Extracts <paramref name="wantedFileNames"/> from the zip in <paramref name="zip"/> (left open).</summary>
    /// <returns>Each wanted file present in the archive, by name, with its decompressed bytes.</returns>
    /// <exception cref="ArgumentException">A wanted name is not a safe relative path (see <see cref="IsSafeRelativePath"/>).</exception>
    /// <exception cref="ArtifactRejectedException">The archive is unreadable, unsafe or over a limit.</exception>
    public static IReadOnlyDictionary<string, byte[]> Extract(Stream zip, IReadOnlyCollection<string> wantedFileNames, ArtifactLimits limits)
    {
        ArgumentNullException.ThrowIfNull(zip);
        ArgumentNullException.ThrowIfNull(wantedFileNames);
        ArgumentNullException.ThrowIfNull(limits);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in wantedFileNames)
        {
            var problem = name is null ? "it is null" : UnsafeReasonOrNull(name) ?? (name.EndsWith('/') ? "it names a folder" : null);
            if (problem is not null)
            {
                throw new ArgumentException($"'{name}' is not a file path relative to the artifact root: {problem}", nameof(wantedFileNames));
            }

            wanted.Add(name!);
        }

        using var archive = Open(zip, limits, out var archiveBytes);
        System.Collections.ObjectModel.ReadOnlyCollection<ZipArchiveEntry> entries;
        try
        {
            entries = archive.Entries;
        }
        catch (InvalidDataException ex)
        {
            throw new ArtifactRejectedException(ArtifactRejection.Unreadable, null, $"the artifact's zip directory is corrupt: {ex.Message}", ex);
        }

        if (entries.Count > limits.MaxEntries)
        {
            throw new ArtifactRejectedException(ArtifactRejection.TooManyEntries, null, $"the artifact has {entries.Count} entries, more than the limit of {limits.MaxEntries}");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (!IsSafeRelativePath(entry.FullName, out _))
            {
                throw new ArtifactRejectedException(ArtifactRejection.UnsafePath, entry.FullName, $"artifact entry '{Printable(entry.FullName)}' is not a safe relative path: {UnsafeReason(entry.FullName)}");
            }

            if (!seen.Add(entry.FullName))
            {
                throw new ArtifactRejectedException(ArtifactRejection.DuplicateEntry, entry.FullName, $"artifact entry '{entry.FullName}' appears more than once");
            }
        }

        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        long total = 0;
        foreach (var entry in entries)
        {
            if (!wanted.Contains(entry.FullName))
            {
                continue;
            }

            var bytes = ReadEntry(entry, limits, archiveBytes, total);
            total += bytes.Length;
            files[entry.FullName] = bytes;
        }

        return files;
    }

    /// <summary>
    /// True when <paramref name="path"/> is a relative path of non-empty, non-<c>.</c>, non-<c>..</c> segments separated
    /// by <c>/</c> (a trailing <c>/</c> marks a folder entry), with no backslash, colon (drive letters, alternate
    /// streams) or control character. GitHub's upload-artifact refuses colons in paths too.
    /// </summary>
    public static bool IsSafeRelativePath(string path, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(path);
        problem = UnsafeReasonOrNull(path);
        return problem is null;
    }

    private static string UnsafeReason(string path) => UnsafeReasonOrNull(path) ?? "unknown";

    private static string? UnsafeReasonOrNull(string path)
    {
        if (path.Length == 0)
        {
            return "it is empty";
        }

        if (path.Contains('\\', StringComparison.Ordinal))
        {
            return "it contains a backslash";
        }

        if (path.StartsWith('/'))
        {
            return "it is absolute";
        }

        if (path.Contains(':', StringComparison.Ordinal))
        {
            return "it contains a colon (a drive letter or alternate data stream)";
        }

        if (path.Any(char.IsControl))
        {
            return "it contains a control character";
        }

        var segments = path.Split('/');
        var count = path.EndsWith('/') ? segments.Length - 1 : segments.Length;
        for (var i = 0; i < count; i++)
        {
            switch (segments[i])
            {
                case "..":
                    return "it has a '..' segment";
                case ".":
                    return "it has a '.' segment";
                case "":
                    return "it has an empty segment";
            }
        }

        return null;
    }

    private static ZipArchive Open(Stream zip, ArtifactLimits limits, out long archiveBytes)
    {
        Stream source = zip;
        if (zip.CanSeek)
        {
            archiveBytes = zip.Length;
            if (zip.Length - zip.Position > limits.MaxArchiveBytes)
            {
                throw new ArtifactRejectedException(ArtifactRejection.ArchiveTooLarge, null, $"the artifact is {zip.Length - zip.Position} bytes, over the limit of {limits.MaxArchiveBytes}");
            }
        }
        else
        {
            // ZipArchive needs to seek; copy, but never more than the limit.
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = zip.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + read > limits.MaxArchiveBytes)
                {
                    throw new ArtifactRejectedException(ArtifactRejection.ArchiveTooLarge, null, $"the artifact is over the limit of {limits.MaxArchiveBytes} bytes");
                }

                buffer.Write(chunk, 0, read);
            }

            buffer.Position = 0;
            source = buffer;
            archiveBytes = buffer.Length;
        }

        try
        {
            return new ZipArchive(source, ZipArchiveMode.Read, leaveOpen: ReferenceEquals(source, zip));
        }
        catch (InvalidDataException ex)
        {
            throw new ArtifactRejectedException(ArtifactRejection.Unreadable, null, $"the artifact is not a readable zip archive: {ex.Message}", ex);
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, ArtifactLimits limits, long archiveBytes, long totalSoFar)
    {
        var name = entry.FullName;
        if (name.EndsWith('/'))
        {
            throw new ArtifactRejectedException(ArtifactRejection.NotAFile, name, $"artifact entry '{name}' is a folder, not a file");
        }

        if (((entry.ExternalAttributes >> 16) & UnixFileTypeMask) == UnixSymbolicLink)
        {
            throw new ArtifactRejectedException(ArtifactRejection.NotAFile, name, $"artifact entry '{name}' is a symbolic link, not a file");
        }

        // A Zip64 extra field holds 64-bit sizes that .NET reads as signed: 2^63 and up come back negative, and a
        // compressed size near long.MaxValue overflows the reader's own bounds check (it then throws
        // ArgumentOutOfRangeException from inside its stream). No real entry is negative or larger than the archive.
        if (entry.Length < 0 || entry.CompressedLength < 0 || entry.CompressedLength > archiveBytes)
        {
            throw new ArtifactRejectedException(ArtifactRejection.Unreadable, name, $"artifact entry '{name}' has impossible sizes in its header: {entry.Length} bytes, {entry.CompressedLength} compressed, in an archive of {archiveBytes} bytes");
        }

        if (entry.Length > limits.MaxEntryBytes)
        {
            throw new ArtifactRejectedException(ArtifactRejection.EntryTooLarge, name, $"artifact entry '{name}' is {entry.Length} bytes, over the limit of {limits.MaxEntryBytes} per file");
        }

        var ratioAllowance = limits.MaxCompressionRatio * Math.Max(1, entry.CompressedLength);
        var crc = 0u;
        using var content = new MemoryStream((int)Math.Min(Math.Max(entry.Length, 0), Math.Min(limits.MaxEntryBytes, 1024 * 1024)));
        try
        {
            using var stream = OpenEntry(entry);
            var chunk = new byte[81920];
            while (true)
            {
                // Read at most one byte past the tightest limit, so a lying header costs no more than that.
                var remaining = Math.Min(limits.MaxEntryBytes - content.Length, limits.MaxTotalBytes - totalSoFar - content.Length);
                var read = stream.Read(chunk, 0, (int)Math.Clamp(remaining + 1, 1, chunk.Length));
                if (read == 0)
                {
                    break;
                }

                content.Write(chunk, 0, read);
                crc = ZipCrc32.Append(crc, chunk.AsSpan(0, read));
                if (content.Length > limits.MaxEntryBytes)
                {
                    throw new ArtifactRejectedException(ArtifactRejection.EntryTooLarge, name, $"artifact entry '{name}' decompresses to more than the limit of {limits.MaxEntryBytes} bytes per file (its header claims {entry.Length})");
                }

                if (totalSoFar + content.Length > limits.MaxTotalBytes)
                {
                    throw new ArtifactRejectedException(ArtifactRejection.TotalTooLarge, name, $"the wanted artifact files decompress to more than the limit of {limits.MaxTotalBytes} bytes in total (at '{name}')");
                }

                if (content.Length > limits.RatioCheckFloorBytes && content.Length > ratioAllowance)
                {
                    throw new ArtifactRejectedException(ArtifactRejection.CompressionRatio, name, $"artifact entry '{name}' expands more than {limits.MaxCompressionRatio} times its compressed size of {entry.CompressedLength} bytes");
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or NotSupportedException)
        {
            throw new ArtifactRejectedException(ArtifactRejection.Unreadable, name, $"artifact entry '{name}' cannot be read: {ex.Message}", ex);
        }

        // The reader stops at the size the header claims; a header that understates it (a zip bomb's lie) would
        // otherwise hand over a silently truncated file. The checksum covers the real content, so it catches that.
        if (crc != entry.Crc32)
        {
            throw new ArtifactRejectedException(ArtifactRejection.Unreadable, name, $"artifact entry '{name}' does not match its CRC-32 checksum: its header's size or checksum is wrong");
        }

        return content.ToArray();
    }

    private static Stream OpenEntry(ZipArchiveEntry entry)
    {
        try
        {
            return entry.Open();
        }
        catch (IOException ex)
        {
            // .NET checks the local header offset against the archive's end but not its start: a Zip64 offset of
            // 2^63 and up is negative, and seeking there throws IOException rather than InvalidDataException.
            throw new ArtifactRejectedException(ArtifactRejection.Unreadable, entry.FullName, $"artifact entry '{entry.FullName}' cannot be read: its header points to a position outside the archive ({ex.Message})", ex);
        }
    }

    private static string Printable(string name) => new([.. name.Select(c => char.IsControl(c) ? '?' : c)]);
}
