namespace FinGuard.Core.Controls;

/// <summary>
/// GitHub's no-reply commit addresses, which name the account they belong to:
/// <c>12345+login@users.noreply.github.com</c> (id and login; accounts since 2017) and
/// <c>login@users.noreply.github.com</c> (login only; older accounts).
/// </summary>
internal static class GitHubNoreplyAddress
{
    public const string Domain = "users.noreply.github.com";

    /// <summary>Reads the account from a no-reply address; false for any other address.</summary>
    /// <param name="email">The address.</param>
    /// <param name="id">The numeric account id when the address carries one.</param>
    /// <param name="login">The account login.</param>
    public static bool TryParse(string email, out long? id, out string login)
    {
        ArgumentNullException.ThrowIfNull(email);
        id = null;
        login = "";
        var at = email.LastIndexOf('@');
        if (at <= 0 || !string.Equals(email[(at + 1)..], Domain, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var local = email[..at];
        var plus = local.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            if (!long.TryParse(local.AsSpan(0, plus), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            id = number;
            local = local[(plus + 1)..];
        }

        // Logins are letters, digits and hyphens; apps' bot accounts end in "[bot]".
        var name = local.EndsWith("[bot]", StringComparison.Ordinal) ? local[..^5] : local;
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            id = null;
            return false;
        }

        login = local;
        return true;
    }
}
