namespace FinGuard.Core.Policy.Yaml;

/// <summary>"Did you mean …?": the known name closest to a misspelt one, if any is close enough.</summary>
internal static class NearestName
{
    /// <summary>
    /// The candidate equal to <paramref name="input"/> once case, <c>-</c>, <c>_</c> and spaces are ignored
    /// (<c>required_approvals</c>, <c>requiredApprovals</c>), else the one within a few edits (adjacent swaps count
    /// as one): at most 1 for names up to 4 characters, 2 up to 8, 3 beyond. Null when none is that close.
    /// </summary>
    public static string? Find(string input, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(candidates);

        var normalised = Normalise(input);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            if (Normalise(candidate) == normalised)
            {
                return candidate;
            }

            var distance = Distance(input.ToLowerInvariant(), candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        var allowed = input.Length switch { <= 4 => 1, <= 8 => 2, _ => 3 };
        return bestDistance <= allowed ? best : null;
    }

    private static string Normalise(string name) =>
        string.Concat(name.Where(c => c is not ('-' or '_' or ' ')).Select(char.ToLowerInvariant));

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    private static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue; // No key is that long; do not spend time on it.
        }

        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
