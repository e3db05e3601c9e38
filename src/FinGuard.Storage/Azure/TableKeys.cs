using System.Globalization;
using System.Text;
using FinGuard.Core.Evidence;

namespace FinGuard.Storage.Azure;

/// <summary>
/// Table keys. Keys may not contain '/', '\', '#', '?' or control characters, so a chain <c>owner/repo</c>
/// (already validated to letters, digits, '.', '_', '-') becomes <c>owner~repo</c>; '~' never occurs in a chain,
/// so the encoding is reversible.
/// </summary>
internal static class TableKeys
{
    public static string Chain(string chain) => chain.Replace('/', '~');

    public static string Sequence(long sequence) => sequence.ToString("D12", CultureInfo.InvariantCulture);

    /// <summary>
    /// A head SHA as a key prefix: lower-case when it is alphanumeric (a git SHA always is); otherwise the hash of
    /// it. Lookups compare the stored SHA itself, so the mapping only needs to be deterministic.
    /// </summary>
    public static string HeadSha(string headSha)
    {
        var lower = headSha.ToLowerInvariant();
        return lower.Length is > 0 and <= 128 && lower.All(char.IsAsciiLetterOrDigit)
            ? lower
            : "h" + CanonicalJson.Sha256Hex(Encoding.UTF8.GetBytes(lower));
    }
}
