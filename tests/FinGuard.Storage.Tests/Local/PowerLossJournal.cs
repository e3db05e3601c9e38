namespace FinGuard.Storage.Tests.Local;

/// <summary>What a power cut does to the last write before it.</summary>
public enum PowerLossMode
{
    /// <summary>Every write not yet fsynced is lost.</summary>
    DropUnsynced,

    /// <summary>As <see cref="DropUnsynced"/>, and the last write (an append or an unsynced replace) is torn: a prefix of it reached the disk.</summary>
    TearLastWrite,
}

/// <summary>
/// A fault-injecting layer under the local store: it records every change <see cref="FinGuard.Storage.Local.AtomicFile"/>
/// makes, with what is durable (an fsynced file, a name once its folder is fsynced), and rebuilds, for any crash point,
/// the folder a power cut there would have left: names never covered by a folder fsync are gone, appends and unsynced
/// replacements are lost (or, in <see cref="PowerLossMode.TearLastWrite"/>, the last one is cut short).
/// </summary>
internal sealed class PowerLossJournal(string root) : FinGuard.Storage.Local.IWriteJournal
{
    private enum Kind
    {
        Created,
        Replaced,
        Appended,
        Moved,
        DirectorySynced,
    }

    private sealed record Event(Kind Kind, string Path, byte[] Bytes, bool Synced, string? From, long Covered);

    private readonly List<Event> events = [];
    private readonly string root = Path.GetFullPath(root);

    public long Sequence
    {
        get
        {
            lock (events)
            {
                return events.Count;
            }
        }
    }

    public int Count => (int)Sequence;

    public void Created(string path, ReadOnlySpan<byte> content) => Add(new(Kind.Created, path, content.ToArray(), true, null, 0));

    public void Replaced(string path, ReadOnlySpan<byte> content, bool contentSynced) => Add(new(Kind.Replaced, path, content.ToArray(), contentSynced, null, 0));

    public void Appended(string path, ReadOnlySpan<byte> bytes) => Add(new(Kind.Appended, path, bytes.ToArray(), false, null, 0));

    public void Moved(string from, string to) => Add(new(Kind.Moved, to, [], false, from, 0));

    public void DirectorySynced(string directory, long coveredSequence) => Add(new(Kind.DirectorySynced, directory, [], true, null, coveredSequence));

    private void Add(Event e)
    {
        lock (events)
        {
            events.Add(e);
        }
    }

    /// <summary>
    /// Writes into <paramref name="target"/> (an empty folder) what <see cref="root"/> would hold after a power cut just
    /// after the first <paramref name="crashPoint"/> events.
    /// </summary>
    public void Restore(int crashPoint, PowerLossMode mode, Random random, string target)
    {
        List<Event> before;
        lock (events)
        {
            before = events.Take(crashPoint).ToList();
        }

        var durable = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var pending = new List<(int Index, Event Event)>();
        for (var i = 0; i < before.Count; i++)
        {
            var e = before[i];
            switch (e.Kind)
            {
                case Kind.Created or Kind.Replaced or Kind.Moved:
                    pending.Add((i, e));
                    break;
                case Kind.Appended when mode == PowerLossMode.TearLastWrite && i == before.Count - 1 && durable.TryGetValue(e.Path, out var current):
                    durable[e.Path] = [.. current, .. e.Bytes.AsSpan(0, random.Next(e.Bytes.Length))];
                    break;
                case Kind.DirectorySynced:
                    foreach (var (index, name) in pending.Where(p => p.Index < e.Covered && Path.GetDirectoryName(p.Event.Path) == e.Path).ToList())
                    {
                        pending.Remove((index, name));
                        if (name.Kind == Kind.Moved)
                        {
                            if (durable.Remove(name.From!, out var moved))
                            {
                                durable[name.Path] = moved;
                            }
                        }
                        else
                        {
                            // A name made durable whose content never was: the worst a journaling file system allows is an
                            // empty file (the data blocks were never written).
                            durable[name.Path] = name.Synced ? name.Bytes : [];
                        }
                    }

                    break;
            }
        }

        // The last write, when it is an unsynced replacement still pending, may have reached the disk cut short.
        if (mode == PowerLossMode.TearLastWrite && before.Count > 0 && before[^1] is { Kind: Kind.Replaced, Synced: false } last)
        {
            durable[last.Path] = last.Bytes.AsSpan(0, random.Next(last.Bytes.Length + 1)).ToArray();
        }

        foreach (var (path, bytes) in durable)
        {
            var copy = Path.Combine(target, Path.GetRelativePath(root, path));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.WriteAllBytes(copy, bytes);
        }
    }
}
