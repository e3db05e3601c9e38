namespace FinGuard.Storage.Local;

/// <summary>
/// Crash-safe file writes. Content always goes to a temporary file in the target's directory first and is flushed
/// to disk; only then does it get its final name, so a reader never sees a half-written file and a crash leaves at
/// most a stray <c>*.tmp</c> file (ignored by every reader). The directory is fsynced afterwards on Linux and macOS;
/// on Windows that step is skipped (NTFS journals the rename, and .NET cannot open a directory handle without
/// further P/Invoke). The fsyncs run on dedicated threads, and concurrent writers in one directory share its
/// directory fsync (<see cref="DurableIo"/>); a call returns only once its own file and name are durable.
/// </summary>
internal static class AtomicFile
{
    public const string TempSuffix = ".tmp";

    /// <summary>
    /// Creates <paramref name="path"/> with <paramref name="bytes"/> unless it already exists (returns false, and the
    /// existing file is untouched). Atomic across threads and processes: on Unix the final name is made with
    /// <c>link(2)</c>, which fails with EEXIST; on Windows with a non-replacing move.
    /// </summary>
    public static Task<bool> TryCreateAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        TryCreateAsync(path, [bytes], cancellationToken);

    /// <summary>
    /// As <see cref="TryCreateAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>, the content being
    /// <paramref name="segments"/> one after the other, written in one gathering write (no copy into one buffer).
    /// </summary>
    public static async Task<bool> TryCreateAsync(string path, IReadOnlyList<ReadOnlyMemory<byte>> segments, CancellationToken cancellationToken)
    {
        var directory = EnsureDirectory(path);
        var created = false;
        var journal = WriteJournals.Of(path);
        await WriteTempAsync(
            path,
            segments,
            temp =>
            {
                created = TryPublishWithoutReplacing(temp, path);
                if (created)
                {
                    journal?.Created(path, Concatenate(segments));
                }
            },
            cancellationToken);
        if (created)
        {
            await SyncDirectoryAsync(directory);
        }

        return created;
    }

    /// <summary>Writes <paramref name="path"/> atomically, replacing any previous content (for mutable state files only).</summary>
    public static async Task ReplaceAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var directory = EnsureDirectory(path);
        await WriteTempAsync(
            path,
            [bytes],
            temp =>
            {
                File.Move(temp, path, overwrite: true);
                WriteJournals.Of(path)?.Replaced(path, bytes.Span, contentSynced: true);
            },
            cancellationToken);
        await SyncDirectoryAsync(directory);
    }

    /// <summary>
    /// Writes <paramref name="path"/> atomically for readers, replacing any previous content, without an fsync: for files
    /// that can be rebuilt from durable ones (the caller says how). Readers see the old content or the new, never a mix;
    /// a crash can leave the file missing, or present with any content (zero-filled, short), so the caller must check it.
    /// On the calling thread: nothing here waits for the disk, except creating the file's folder when it is missing
    /// (once per folder: the new folder's entry is fsynced like every other).
    /// </summary>
    public static void ReplaceWithoutSync(string path, ReadOnlySpan<byte> bytes)
    {
        EnsureDirectory(path);
        var temp = $"{path}.{Guid.NewGuid():N}{TempSuffix}";
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                RandomAccess.Write(handle, bytes, fileOffset: 0);
            }

            File.Move(temp, path, overwrite: true);
            WriteJournals.Of(path)?.Replaced(path, bytes, contentSynced: false);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Appends <paramref name="bytes"/> to the existing file <paramref name="path"/>, without an fsync: for records of
    /// progress that may be lost (the caller says why that is safe). No new name and no inode created or freed (on ext4
    /// without a journal every freed inode is one that later creations must skip, for up to hours). A crash can leave the
    /// append torn, missing or zero-filled: callers write self-delimiting lines and ignore an incomplete last one.
    /// </summary>
    public static void Append(string path, ReadOnlySpan<byte> bytes)
    {
        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read });
        stream.Write(bytes);
        WriteJournals.Of(path)?.Appended(path, bytes);
    }

    /// <summary>
    /// Renames <paramref name="from"/> to <paramref name="to"/> without replacing (<see cref="IOException"/> when it
    /// exists), and fsyncs both folders: the move is durable when this returns.
    /// </summary>
    public static void Move(string from, string to)
    {
        File.Move(from, to, overwrite: false);
        var journal = WriteJournals.Of(to);
        journal?.Moved(from, to);
        var covered = journal?.Sequence ?? 0;
        foreach (var directory in new[] { Path.GetDirectoryName(to)!, Path.GetDirectoryName(from)! }.Distinct(StringComparer.Ordinal))
        {
            SyncDirectory(directory);
            journal?.DirectorySynced(directory, covered);
        }
    }

    /// <summary>
    /// Reads a whole file, or null when it does not exist. Synchronously on the calling thread: the files are small, and
    /// .NET's asynchronous file reads on Unix are the same blocking read queued to another pool thread.
    /// </summary>
    public static Task<byte[]?> ReadIfExistsAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return Task.FromResult<byte[]?>(File.ReadAllBytes(path));
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult<byte[]?>(null);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.FromResult<byte[]?>(null);
        }
    }

    public static bool IsTempFile(string fileName) => fileName.EndsWith(TempSuffix, StringComparison.Ordinal);

    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsWindows())
        {
            PosixFileSystem.SyncDirectory(directory);
        }
    }

    /// <summary>As <see cref="SyncDirectory"/>, off the thread pool and shared with concurrent callers.</summary>
    public static Task SyncDirectoryAsync(string directory)
    {
        var sync = OperatingSystem.IsWindows() ? Task.CompletedTask : DurableIo.SyncDirectoryAsync(directory, PosixFileSystem.SyncDirectory);
        return WriteJournals.Of(directory) is { } journal ? Journaled(journal, journal.Sequence) : sync;

        // A sync that completes covers what the caller did before asking for it.
        async Task Journaled(IWriteJournal journal, long covered)
        {
            await sync;
            journal.DirectorySynced(directory, covered);
        }
    }

    private static byte[] Concatenate(IReadOnlyList<ReadOnlyMemory<byte>> segments)
    {
        var all = new byte[segments.Sum(s => s.Length)];
        var offset = 0;
        foreach (var segment in segments)
        {
            segment.Span.CopyTo(all.AsSpan(offset));
            offset += segment.Length;
        }

        return all;
    }

    private static string EnsureDirectory(string path)
    {
        var directory = Path.GetDirectoryName(path) ?? throw new ArgumentException("A file path needs a directory.", nameof(path));
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            var parent = Path.GetDirectoryName(directory);
            if (parent is not null)
            {
                SyncDirectory(parent);
            }
        }

        return directory;
    }

    /// <summary>
    /// Writes and fsyncs a temporary file next to <paramref name="path"/>, gives it its final name with
    /// <paramref name="publish"/> and removes the temporary name, all in one step on a durability thread: on Unix
    /// .NET's "asynchronous" file writes are thread-pool work items making the same blocking calls, so doing it there
    /// saves thread hops per file and keeps blocking writes off the pool. The temporary name is removed whatever
    /// happens (a leftover from a crash is ignored by every reader).
    /// </summary>
    private static Task WriteTempAsync(string path, IReadOnlyList<ReadOnlyMemory<byte>> segments, Action<string> publish, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var temp = $"{path}.{Guid.NewGuid():N}{TempSuffix}";
        return DurableIo.RunAsync(() =>
        {
            try
            {
                // A bare handle rather than a FileStream: one gathering write (pwritev) and one fsync, no stream
                // buffer. No preallocation: for files of a few KiB it is one more syscall, and on tmpfs fallocate
                // zero-fills the pages that the write then overwrites (6 % of the ingress's CPU there).
                using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    RandomAccess.Write(handle, segments, fileOffset: 0);
                    RandomAccess.FlushToDisk(handle);
                }

                publish(temp);
            }
            finally
            {
                TryDelete(temp);
            }
        });
    }

    private static bool TryPublishWithoutReplacing(string temp, string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            var error = PosixFileSystem.Link(temp, path);
            if (error == 0)
            {
                return true;
            }

            if (error == PosixFileSystem.ErrorExists)
            {
                return false;
            }

            // A file system without hard links (FAT, some network or FUSE mounts): fall back to .NET's
            // non-replacing move, which is atomic within this process (appends are serialised per chain)
            // but only check-then-rename across processes.
        }

        try
        {
            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover temp file is harmless: readers ignore *.tmp.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
