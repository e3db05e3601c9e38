using System.Collections.Immutable;

namespace FinGuard.Core.Controls;

/// <summary>One <c>Co-authored-by:</c> trailer of a commit message.</summary>
/// <param name="Trailer">The trailer as written, e.g. <c>Co-authored-by: Jane Doe &lt;jane@example.com&gt;</c>, for display.</param>
/// <param name="Name">The name before the address; null when there is none.</param>
/// <param name="Email">The address between <c>&lt;</c> and <c>&gt;</c> (or a bare address); null when the trailer has none.</param>
internal sealed record CoAuthor(string Trailer, string? Name, string? Email);

/// <summary>
/// Reads <c>Co-authored-by</c> trailers from a commit message's trailer block, the way git and GitHub find them:
/// the block is the message's last paragraph; a line is a trailer when it reads <c>Token: value</c> (token of
/// letters, digits and hyphens, matched case-insensitively), and an indented line continues the previous one.
/// Git requires a mixed paragraph to contain a git-generated trailer before it counts; FinGuard does not, and accepts
/// any last paragraph in which at least a quarter of the lines are trailers, so it finds every co-author git would
/// (finding more makes people ineligible to approve — the safe direction).
/// </summary>
internal static class CoAuthorTrailers
{
    public const string Token = "Co-authored-by";

    public static ImmutableArray<CoAuthor> Parse(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var trailers = TrailerBlock(message);
        return [.. trailers
            .Where(t => string.Equals(t.Key, Token, StringComparison.OrdinalIgnoreCase))
            .Select(t => ParseIdentity($"{Token}: {t.Value}", t.Value))];
    }

    /// <summary>The trailers of the last paragraph, or none when that paragraph is not a trailer block.</summary>
    private static List<(string Key, string Value)> TrailerBlock(string message)
    {
        var lines = message.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var end = lines.Length;
        while (end > 0 && string.IsNullOrWhiteSpace(lines[end - 1]))
        {
            end--;
        }

        var start = end;
        while (start > 0 && !string.IsNullOrWhiteSpace(lines[start - 1]))
        {
            start--;
        }

        var trailers = new List<(string Key, string Value)>();
        var other = 0;
        for (var i = start; i < end; i++)
        {
            var line = lines[i];
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && trailers.Count > 0)
            {
                var (key, value) = trailers[^1];
                trailers[^1] = (key, $"{value} {line.Trim()}");
            }
            else if (TryParseTrailer(line, out var key, out var value))
            {
                trailers.Add((key, value));
            }
            else
            {
                other++;
            }
        }

        return trailers.Count > 0 && trailers.Count * 3 >= other ? trailers : [];
    }

    private static bool TryParseTrailer(string line, out string key, out string value)
    {
        key = value = "";
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        var token = line[..colon].TrimEnd();
        if (token.Length == 0 || !char.IsAsciiLetterOrDigit(token[0]) || !token.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            return false;
        }

        key = token;
        value = line[(colon + 1)..].Trim();
        return true;
    }

    private static CoAuthor ParseIdentity(string trailer, string value)
    {
        var open = value.LastIndexOf('<');
        var close = open >= 0 ? value.IndexOf('>', open + 1) : -1;
        if (open >= 0 && close > open)
        {
            var email = value[(open + 1)..close].Trim();
            var name = value[..open].Trim();
            return new CoAuthor(trailer, name.Length > 0 ? name : null, email.Length > 0 ? email : null);
        }

        // A bare address ("Co-authored-by: jane@example.com") is still an address; anything else names nobody FinGuard can match.
        return value.Contains('@', StringComparison.Ordinal) && !value.Any(char.IsWhiteSpace)
            ? new CoAuthor(trailer, null, value)
            : new CoAuthor(trailer, value.Length > 0 ? value : null, null);
    }
}
