using FinGuard.Core.Policy;

namespace FinGuard.Core.Controls;

/// <summary>
/// Matches a base branch name against the patterns of <see cref="FinGuardPolicy.Branches"/>:
/// an exact name (<c>main</c>), <c>*</c> for any characters within one path segment (<c>release/*</c> matches
/// <c>release/1.2</c> but not <c>release/1/hotfix</c>), <c>**</c> for any characters across segments
/// (<c>release/**</c> matches both), or <see cref="FinGuardPolicy.DefaultBranchToken"/> for the repository's
/// default branch. Every other character, <c>?</c> and <c>[</c> included, is literal; comparison is ordinal
/// (git branch names are case-sensitive). Linear in pattern × name, no backtracking.
/// </summary>
public static class BranchPattern
{
    /// <summary>Whether <paramref name="branch"/> matches <paramref name="pattern"/>.</summary>
    /// <param name="pattern">A pattern from the policy.</param>
    /// <param name="branch">The pull request's base branch, e.g. <c>main</c> (no <c>refs/heads/</c> prefix).</param>
    /// <param name="defaultBranch">The repository's default branch; when null, <c>$default</c> matches nothing.</param>
    public static bool IsMatch(string pattern, string branch, string? defaultBranch)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(branch);

        if (pattern == FinGuardPolicy.DefaultBranchToken)
        {
            return defaultBranch is not null && string.Equals(branch, defaultBranch, StringComparison.Ordinal);
        }

        return GlobMatch(pattern, branch);
    }

    /// <summary>Whether <paramref name="branch"/> matches at least one of <paramref name="patterns"/>.</summary>
    public static bool MatchesAny(IEnumerable<string> patterns, string branch, string? defaultBranch)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        return patterns.Any(p => IsMatch(p, branch, defaultBranch));
    }

    /// <summary>
    /// Dynamic programming over (pattern position, name position): <c>matches[j]</c> says whether the pattern
    /// consumed so far matches the first <c>j</c> characters of the name.
    /// </summary>
    private static bool GlobMatch(string pattern, string name)
    {
        var matches = new bool[name.Length + 1];
        matches[0] = true;
        var i = 0;
        while (i < pattern.Length)
        {
            var next = new bool[name.Length + 1];
            if (pattern[i] == '*')
            {
                var crossesSegments = i + 1 < pattern.Length && pattern[i + 1] == '*';
                i += crossesSegments ? 2 : 1;
                while (i < pattern.Length && pattern[i] == '*')
                {
                    i++; // `***` is `**`.
                    crossesSegments = true;
                }

                for (var j = 0; j <= name.Length; j++)
                {
                    // Zero characters, or one more character after a match that the star may swallow.
                    next[j] = matches[j] || (j > 0 && next[j - 1] && (crossesSegments || name[j - 1] != '/'));
                }
            }
            else
            {
                for (var j = 1; j <= name.Length; j++)
                {
                    next[j] = matches[j - 1] && name[j - 1] == pattern[i];
                }

                i++;
            }

            matches = next;
        }

        return matches[name.Length];
    }
}
