using System.Globalization;

namespace FinGuard.Cli;

/// <summary>
/// The only date forms the CLI accepts: ISO 8601 calendar dates (<c>2026-12-08</c>) and instants with an explicit
/// offset (<c>2026-12-08T15:00:00Z</c>, <c>2026-12-08T16:00+01:00</c>). Culture-dependent parsing would read an
/// auditor's day-first <c>08/12/2026</c> as 12 August without a word, so anything else is refused.
/// </summary>
public static class IsoDates
{
    private static readonly string[] InstantFormats =
    [
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    public static bool TryParseDate(string text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    /// <summary>An instant with a <c>Z</c> or <c>±hh:mm</c> offset; a local time without one is ambiguous and refused.</summary>
    public static bool TryParseInstant(string text, out DateTimeOffset instant)
    {
        instant = default;
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z')
            || (text.Length > 6 && (text[^6] is '+' or '-') && text[^3] == ':');
        return hasOffset
            && DateTimeOffset.TryParseExact(text, InstantFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out instant);
    }
}
