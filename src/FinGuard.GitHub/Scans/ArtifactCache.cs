using System.Collections.Concurrent;

namespace FinGuard.GitHub.Scans;

/// <summary>
/// Files already extracted from workflow artifacts, by repository, artifact id and the file names asked for. An
/// artifact's content never changes once uploaded (a new upload is a new id), so every later evaluation of the same
/// commit — a review, a re-run, a label — reuses the bytes instead of downloading the zip again. Bounded by
/// <see cref="MaxBytes"/>; past it the cache starts over.
/// </summary>
public sealed class ArtifactCache
{
    public const long MaxBytes = 64L * 1024 * 1024;

    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, byte[]>> entries = new(StringComparer.Ordinal);
    private long bytes;

    public bool TryGet(string repository, long artifactId, IReadOnlyCollection<string> files, out IReadOnlyDictionary<string, byte[]> extracted) =>
        entries.TryGetValue(Key(repository, artifactId, files), out extracted!);

    public void Add(string repository, long artifactId, IReadOnlyCollection<string> files, IReadOnlyDictionary<string, byte[]> extracted)
    {
        ArgumentNullException.ThrowIfNull(extracted);
        var size = extracted.Values.Sum(v => (long)v.Length);
        if (size > MaxBytes)
        {
            return;
        }

        if (Interlocked.Add(ref bytes, size) > MaxBytes)
        {
            entries.Clear();
            Interlocked.Exchange(ref bytes, size);
        }

        entries[Key(repository, artifactId, files)] = extracted;
    }

    private static string Key(string repository, long artifactId, IReadOnlyCollection<string> files) =>
        $"{repository.ToLowerInvariant()}\n{artifactId}\n{string.Join('\n', files.Order(StringComparer.Ordinal))}";
}
