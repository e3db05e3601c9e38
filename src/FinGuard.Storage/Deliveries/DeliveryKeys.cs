using System.Text.RegularExpressions;

namespace FinGuard.Storage.Deliveries;

/// <summary>
/// Delivery ids as storage keys. GitHub sends a GUID in <c>X-GitHub-Delivery</c>; anything made of letters, digits
/// and '-' (at most 64) is accepted, so an id can never escape a folder or break a table key. Keys are lower-case so
/// that case-insensitive file systems and Azure agree on what a duplicate is.
/// </summary>
internal static partial class DeliveryKeys
{
    /// <summary>Failure text kept per delivery; longer text is cut (Azure Table strings are at most 32K characters).</summary>
    public const int MaxErrorLength = 8_000;

    public static string ToKey(string deliveryId)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        if (!DeliveryIdPattern().IsMatch(deliveryId))
        {
            throw new ArgumentException("A delivery id must be 1-64 letters, digits or '-' (GitHub sends a GUID).", nameof(deliveryId));
        }

        return deliveryId.ToLowerInvariant();
    }

    public static string? TruncateError(string? failure) =>
        failure is { Length: > MaxErrorLength } ? failure[..MaxErrorLength] : failure;

    [GeneratedRegex("^[A-Za-z0-9-]{1,64}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex DeliveryIdPattern();
}
