namespace FinGuard.Core.Paths;

/// <summary>
/// Patterns grouped by the directory their matches must be in (<see cref="PathGlob.Directory"/>), so a path is only
/// tested against patterns of its own directories and those that can match anywhere: a 500-line CODEOWNERS file costs
/// a handful of matches per changed file, not 500. Entries keep the order they were added in.
/// </summary>
public sealed class PathGlobIndex<T>
{
    private readonly Dictionary<string, List<(int Order, PathGlob Glob, T Value)>> byDirectory = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(int Order, PathGlob Glob, T Value)>>.AlternateLookup<ReadOnlySpan<char>> lookup;
    private int count;

    public PathGlobIndex()
    {
        lookup = byDirectory.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public void Add(PathGlob glob, T value)
    {
        ArgumentNullException.ThrowIfNull(glob);
        if (!byDirectory.TryGetValue(glob.Directory, out var list))
        {
            byDirectory[glob.Directory] = list = [];
        }

        list.Add((count++, glob, value));
    }

    /// <summary>The last added entry whose pattern matches <paramref name="path"/> (CODEOWNERS: the last matching line wins).</summary>
    public bool TryFindLast(string path, out T value)
    {
        ArgumentNullException.ThrowIfNull(path);
        var best = -1;
        value = default!;
        if (byDirectory.TryGetValue("", out var anywhere))
        {
            Last(anywhere, path, ref best, ref value);
        }

        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            if (lookup.TryGetValue(path.AsSpan(0, slash), out var list))
            {
                Last(list, path, ref best, ref value);
            }
        }

        return best >= 0;
    }

    /// <summary>Adds every entry whose pattern matches <paramref name="path"/> to <paramref name="matches"/>, in no particular order.</summary>
    public void FindAll(string path, List<T> matches)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(matches);
        if (byDirectory.TryGetValue("", out var anywhere))
        {
            All(anywhere, path, matches);
        }

        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            if (lookup.TryGetValue(path.AsSpan(0, slash), out var list))
            {
                All(list, path, matches);
            }
        }
    }

    private static void Last(List<(int Order, PathGlob Glob, T Value)> list, string path, ref int best, ref T value)
    {
        for (var i = list.Count - 1; i >= 0 && list[i].Order > best; i--)
        {
            if (list[i].Glob.IsMatch(path))
            {
                best = list[i].Order;
                value = list[i].Value;
                return;
            }
        }
    }

    private static void All(List<(int Order, PathGlob Glob, T Value)> list, string path, List<T> matches)
    {
        foreach (var (_, glob, value) in list)
        {
            if (glob.IsMatch(path))
            {
                matches.Add(value);
            }
        }
    }
}
