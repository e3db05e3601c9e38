using System.Collections.Concurrent;

namespace FinGuard.Storage.Local;

/// <summary>
/// Told of every change <see cref="AtomicFile"/> makes under one folder, in the order made, and of what is durable: the
/// seam a power-loss simulation sits on (it rebuilds the folder from what a power cut would have kept). Nothing listens
/// in production; the cost there is one emptiness check per write.
/// </summary>
internal interface IWriteJournal
{
    /// <summary>A number that grows with every event; a directory sync covers the events up to the one it was asked after.</summary>
    long Sequence { get; }

    /// <summary><paramref name="path"/> was created with <paramref name="content"/>, fsynced; its name is not durable yet.</summary>
    void Created(string path, ReadOnlySpan<byte> content);

    /// <summary>
    /// <paramref name="path"/> was replaced by a rename of a file holding <paramref name="content"/>, fsynced when
    /// <paramref name="contentSynced"/>; the new name is not durable yet.
    /// </summary>
    void Replaced(string path, ReadOnlySpan<byte> content, bool contentSynced);

    /// <summary><paramref name="bytes"/> were appended to <paramref name="path"/>, not fsynced.</summary>
    void Appended(string path, ReadOnlySpan<byte> bytes);

    /// <summary><paramref name="from"/> was renamed to <paramref name="to"/>; not durable until both folders are synced.</summary>
    void Moved(string from, string to);

    /// <summary>
    /// <paramref name="directory"/> was fsynced by a sync asked for after event <paramref name="coveredSequence"/>: the
    /// names created, replaced or moved in it up to that event are durable.
    /// </summary>
    void DirectorySynced(string directory, long coveredSequence);
}

/// <summary>The journals listening, by the folder they watch (tests only).</summary>
internal static class WriteJournals
{
    private static readonly ConcurrentDictionary<string, IWriteJournal> Listening = new(StringComparer.Ordinal);

    /// <summary>Starts telling <paramref name="journal"/> of every change under <paramref name="root"/>, until disposed.</summary>
    public static IDisposable Listen(string root, IWriteJournal journal)
    {
        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
        if (!Listening.TryAdd(prefix, journal))
        {
            throw new InvalidOperationException($"A journal already listens under '{root}'.");
        }

        return new Stop(prefix);
    }

    /// <summary>The journal listening under <paramref name="path"/>, if any.</summary>
    public static IWriteJournal? Of(string path)
    {
        if (Listening.IsEmpty)
        {
            return null;
        }

        foreach (var (prefix, journal) in Listening)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal) || path + Path.DirectorySeparatorChar == prefix)
            {
                return journal;
            }
        }

        return null;
    }

    private sealed class Stop(string prefix) : IDisposable
    {
        public void Dispose() => Listening.TryRemove(prefix, out _);
    }
}
