using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace FinGuard.Storage.Evidence;

/// <summary>
/// Chain names and object names for evidence. A chain is <c>owner/repo</c>, lower-cased; a record's object
/// name is <c>{chain}/{sequence:D12}.json</c>. Both are checked strictly so that a name is valid as an Azure
/// blob name and is a safe relative path under the local evidence folder: no <c>..</c>, no backslash, no
/// absolute path, nothing but GitHub's owner and repository characters.
/// </summary>
public static partial class EvidenceObjectNames
{
    private const int SequenceDigits = 12;

    /// <summary>The largest sequence that fits the fixed-width object name.</summary>
    public const long MaxSequence = 999_999_999_999;

    /// <summary>Lower-cases and validates a chain name; throws <see cref="ArgumentException"/> when it is not <c>owner/repo</c>.</summary>
    public static string NormalizeChain(string chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var normalized = chain.ToLowerInvariant();
        if (!IsValidChain(normalized))
        {
            throw new ArgumentException(
                "An evidence chain must be 'owner/repo' made of letters, digits, '.', '_' and '-' (no '..' segments).",
                nameof(chain));
        }

        return normalized;
    }

    /// <summary>True when <paramref name="chain"/> is already a normalised, valid chain name.</summary>
    public static bool IsValidChain(string chain) => chain is not null && ChainPattern().IsMatch(chain);

    /// <summary>The object name of record <paramref name="sequence"/> of <paramref name="chain"/>.</summary>
    public static string ObjectName(string chain, long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sequence, MaxSequence);
        var normalized = NormalizeChain(chain);
        return string.Create(CultureInfo.InvariantCulture, $"{normalized}/{sequence:D12}.json");
    }

    /// <summary>Parses an object name produced by <see cref="ObjectName"/>; false for anything else.</summary>
    public static bool TryParseObjectName(string name, [NotNullWhen(true)] out string? chain, out long sequence)
    {
        chain = null;
        sequence = 0;
        if (name is null)
        {
            return false;
        }

        var match = ObjectNamePattern().Match(name);
        if (!match.Success || !IsValidChain(match.Groups["chain"].Value))
        {
            return false;
        }

        sequence = long.Parse(match.Groups["sequence"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        if (sequence < 1)
        {
            return false;
        }

        chain = match.Groups["chain"].Value;
        return true;
    }

    /// <summary>True for a local file name of the form <c>{sequence:D12}.json</c>, returning the sequence.</summary>
    internal static bool TryParseSequenceFileName(string fileName, out long sequence)
    {
        sequence = 0;
        if (fileName.Length != SequenceDigits + 5 || !fileName.EndsWith(".json", StringComparison.Ordinal))
        {
            return false;
        }

        return long.TryParse(fileName.AsSpan(0, SequenceDigits), NumberStyles.None, CultureInfo.InvariantCulture, out sequence)
            && sequence >= 1;
    }

    internal static string SequenceFileName(long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{sequence:D12}.json");

    // Owner and repository: GitHub's characters ('.', '_', '-' and alphanumerics), at most 100 each, and neither
    // made of dots only (so '.' and '..' can never become path segments).
    [GeneratedRegex(@"^(?!\.+/)[a-z0-9_.\-]{1,100}/(?!\.+$)[a-z0-9_.\-]{1,100}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ChainPattern();

    [GeneratedRegex(@"^(?<chain>[a-z0-9_.\-]{1,100}/[a-z0-9_.\-]{1,100})/(?<sequence>[0-9]{12})\.json$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ObjectNamePattern();
}
